// The e-invoicing service on Azure: Function App (Flex Consumption, Node 20), Service Bus (stage topics,
// their subscriptions, the batch queue), Storage (documents and the Functions host), Key Vault
// (certificates and secrets), Application Insights, and one user-assigned managed identity with
// least-privilege role assignments. Every connection is identity-based: no keys in app settings.
// App setting names are those of local.settings.sample.json (a test keeps the two in step).

targetScope = 'resourceGroup'

@description('Short name used to derive resource names (letters and digits).')
@minLength(3)
@maxLength(11)
param name string = 'einvoice'

param location string = resourceGroup().location

@description('Topics: one per processing stage, and the webhook notifications. Each gets the stage subscription.')
param stageTopics object = {
  TRANSFORM_TOPIC: 'transform'
  SIGN_TOPIC: 'sign'
  SUBMIT_TOPIC: 'submit'
  RESPONSE_TOPIC: 'response'
  NOTIFY_TOPIC: 'notify'
}

@description('The subscription every stage Function listens on.')
param stageSubscription string = 'einvoice'

@description('The batch intake queue.')
param batchQueue string = 'batch'

@description('Deliveries before Service Bus dead-letters a message.')
param maxDeliveryCount int = 10

@description('Certificate (in Key Vault) that sign steps use by default.')
param signingCertificate string = 'signing'

@description('Folder of the official XML Schemas inside the deployed package (see docs/formats.md); empty: XSD steps that do not require them pass with a notice.')
param schemasDir string = ''

@description('How long finished documents are kept after their last change (3650d, 10y); empty: kept for good (docs/configuration.md)')
param retention string = ''

@description('Share of documents whose traces are sent to Application Insights (0 to 1; the decision is taken at intake and holds for the whole document). Metrics are not sampled.')
param traceSampleRatio string = '1'

@description('Entra ID sign-in for the console and the API besides API keys: the directory (https://login.microsoftonline.com/<directory id>/v2.0); empty: API keys only (docs/console.md).')
param entraAuthority string = ''

@description('The app registration of the console and the API (its application id): the audience of the access tokens; its app roles Tenant.<id> grant tenants.')
param entraClientId string = ''

@description('The scope the console asks for; empty: api://<entraClientId>/access_as_user.')
param entraScope string = ''

@description('Business Central API v2.0 base URL for the inbound flows (https://api.businesscentral.dynamics.com/v2.0/<tenant>/<environment>/api/v2.0).')
param bcApiUrl string = ''

@description('Entra ID token endpoint of the Business Central tenant (https://login.microsoftonline.com/<tenant>/oauth2/v2.0/token).')
param bcTokenUrl string = ''

@description('Application (client) id registered in Business Central; its secret is the Key Vault secret bc-client-secret.')
param bcClientId string = ''

@description('SDI\'s SdIRiceviFile endpoint (SDICoop) or an intermediary\'s, for the it-fatturapa-sdi feature; each company may name its own (docs/countries/italy.md).')
param sdiUrl string = ''

@description('Path, inside the deployed package, of the PEM certificate SDI signs its notifications with; empty: any valid signature is taken.')
param sdiCertificate string = ''

@description('The PAC\'s base URL for the mx-cfdi-pac feature (POST <url>/cfdi40/stamp); each company may name its own (docs/countries/mexico.md).')
param pacUrl string = ''

@description('SAT\'s CFDI status service (ConsultaCFDIService), that the mx-cfdi-pac feature asks about stamped CFDIs.')
param satStatusUrl string = 'https://consultaqr.facturaelectronica.sat.gob.mx/ConsultaCFDIService.svc'

@description('SAT\'s certificate repository, that PAC stamps (SelloSAT) are verified with.')
param satCertificatesUrl string = 'https://rdc.sat.gob.mx/rccf'

@description('Path, inside the deployed package, of a folder of SAT\'s certificates (<NoCertificadoSAT>.cer) read before the repository; empty: none.')
param satCertificatesDir string = ''

@description('Where every SEFAZ web service of the br-nfe-sefaz feature is reached (<url>/<Service>): a proxy; empty: the authoriser of each company\'s state from the table of endpoints.')
param sefazUrl string = ''

@description('Where the contingency authoriser\'s services (SVC-AN, SVC-RS) are reached: a proxy; empty: from the table of endpoints.')
param sefazSvcUrl string = ''

@description('Path, inside the deployed package, of the PEM trust anchors of SEFAZ\'s servers (ICP-Brasil\'s chain, from ITI).')
param sefazCaFile string = ''

var suffix = uniqueString(resourceGroup().id, name)
var documentsContainer = 'einvoice'
var deploymentContainer = 'app-package'

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: '${name}-id-${suffix}'
  location: location
}

resource logs 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: '${name}-logs-${suffix}'
  location: location
  properties: { sku: { name: 'PerGB2018' }, retentionInDays: 30 }
}

resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: '${name}-ai-${suffix}'
  location: location
  kind: 'web'
  properties: { Application_Type: 'web', WorkspaceResourceId: logs.id, DisableLocalAuth: true }
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: take('${name}st${suffix}', 24)
  location: location
  kind: 'StorageV2'
  sku: { name: 'Standard_ZRS' }
  properties: {
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
  properties: { deleteRetentionPolicy: { enabled: true, days: 30 }, isVersioningEnabled: true }
}

resource documents 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: documentsContainer
}

resource deployment 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deploymentContainer
}

resource serviceBus 'Microsoft.ServiceBus/namespaces@2022-10-01-preview' = {
  name: '${name}-sb-${suffix}'
  location: location
  sku: { name: 'Standard', tier: 'Standard' }
  properties: { disableLocalAuth: true, minimumTlsVersion: '1.2' }
}

resource topics 'Microsoft.ServiceBus/namespaces/topics@2022-10-01-preview' = [
  for topic in items(stageTopics): {
    parent: serviceBus
    name: topic.value
    properties: { requiresDuplicateDetection: true, duplicateDetectionHistoryTimeWindow: 'PT10M' }
  }
]

resource subscriptions 'Microsoft.ServiceBus/namespaces/topics/subscriptions@2022-10-01-preview' = [
  for (topic, i) in items(stageTopics): {
    parent: topics[i]
    name: stageSubscription
    properties: {
      lockDuration: 'PT5M'
      maxDeliveryCount: maxDeliveryCount
      deadLetteringOnMessageExpiration: true
    }
  }
]

resource queue 'Microsoft.ServiceBus/namespaces/queues@2022-10-01-preview' = {
  parent: serviceBus
  name: batchQueue
  properties: {
    lockDuration: 'PT5M'
    maxDeliveryCount: maxDeliveryCount
    requiresDuplicateDetection: true
    deadLetteringOnMessageExpiration: true
  }
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: take('${name}-kv-${suffix}', 24)
  location: location
  properties: {
    tenantId: subscription().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    enablePurgeProtection: true
  }
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: '${name}-plan-${suffix}'
  location: location
  kind: 'functionapp'
  sku: { tier: 'FlexConsumption', name: 'FC1' }
  properties: { reserved: true }
}

resource app 'Microsoft.Web/sites@2024-04-01' = {
  name: '${name}-fn-${suffix}'
  location: location
  kind: 'functionapp,linux'
  identity: { type: 'UserAssigned', userAssignedIdentities: { '${identity.id}': {} } }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainer}'
          authentication: { type: 'UserAssignedIdentity', userAssignedIdentityResourceId: identity.id }
        }
      }
      scaleAndConcurrency: { maximumInstanceCount: 100, instanceMemoryMB: 2048 }
      runtime: { name: 'node', version: '20' }
    }
    siteConfig: {
      minTlsVersion: '1.2'
      appSettings: [
        { name: 'AzureWebJobsStorage__accountName', value: storage.name }
        { name: 'AzureWebJobsStorage__credential', value: 'managedidentity' }
        { name: 'AzureWebJobsStorage__clientId', value: identity.properties.clientId }
        { name: 'AZURE_CLIENT_ID', value: identity.properties.clientId }
        { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: insights.properties.ConnectionString }
        { name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING', value: 'Authorization=AAD;ClientId=${identity.properties.clientId}' }
        { name: 'OTEL_SERVICE_NAME', value: name }
        { name: 'OTEL_TRACES_EXPORTER', value: 'azuremonitor' }
        { name: 'OTEL_METRICS_EXPORTER', value: 'azuremonitor' }
        { name: 'OTEL_METRIC_EXPORT_INTERVAL', value: '60000' }
        { name: 'OTEL_TRACES_SAMPLER', value: 'parentbased_traceidratio' }
        { name: 'OTEL_TRACES_SAMPLER_ARG', value: traceSampleRatio }
        { name: 'EINVOICE_STORE', value: 'blob' }
        { name: 'EINVOICE_BLOB_ACCOUNT_URL', value: storage.properties.primaryEndpoints.blob }
        { name: 'EINVOICE_BLOB_CONTAINER', value: documentsContainer }
        { name: 'EINVOICE_BUS', value: 'servicebus' }
        { name: 'ServiceBusConnection__fullyQualifiedNamespace', value: '${serviceBus.name}.servicebus.windows.net' }
        { name: 'ServiceBusConnection__credential', value: 'managedidentity' }
        { name: 'ServiceBusConnection__clientId', value: identity.properties.clientId }
        { name: 'TRANSFORM_TOPIC', value: stageTopics.TRANSFORM_TOPIC }
        { name: 'SIGN_TOPIC', value: stageTopics.SIGN_TOPIC }
        { name: 'SUBMIT_TOPIC', value: stageTopics.SUBMIT_TOPIC }
        { name: 'RESPONSE_TOPIC', value: stageTopics.RESPONSE_TOPIC }
        { name: 'NOTIFY_TOPIC', value: stageTopics.NOTIFY_TOPIC }
        { name: 'STAGE_SUBSCRIPTION', value: stageSubscription }
        { name: 'BATCH_QUEUE', value: batchQueue }
        { name: 'RETRY_TIMER_SCHEDULE', value: '0 * * * * *' }
        { name: 'STAGE_TIMEOUT_SECONDS', value: '300' }
        { name: 'EINVOICE_RETENTION', value: retention }
        { name: 'RETENTION_TIMER_SCHEDULE', value: '0 30 2 * * *' }
        { name: 'EINVOICE_MAX_DELIVERY_COUNT', value: string(maxDeliveryCount) }
        { name: 'EINVOICE_BUS_CONCURRENCY', value: '8' }
        { name: 'EINVOICE_SIGNING_THREADS', value: 'auto' }
        { name: 'NODE_OPTIONS', value: '--max-semi-space-size=32' }
        { name: 'EINVOICE_SCHEMAS_DIR', value: schemasDir }
        { name: 'EINVOICE_KEYS', value: 'keyvault' }
        { name: 'KEY_VAULT_URL', value: vault.properties.vaultUri }
        { name: 'EINVOICE_SIGNING_CERT', value: signingCertificate }
        { name: 'EINVOICE_MAX_BODY_BYTES', value: '10485760' }
        { name: 'EINVOICE_LOG_LEVEL', value: 'info' }
        { name: 'EINVOICE_LOG_FORMAT', value: 'json' }
        { name: 'EINVOICE_ENTRA_AUTHORITY', value: entraAuthority }
        { name: 'EINVOICE_ENTRA_CLIENT_ID', value: entraClientId }
        { name: 'EINVOICE_ENTRA_SCOPE', value: entraScope }
        { name: 'BC_API_URL', value: bcApiUrl }
        { name: 'BC_TOKEN_URL', value: bcTokenUrl }
        { name: 'BC_CLIENT_ID', value: bcClientId }
        { name: 'BC_SCOPE', value: 'https://api.businesscentral.dynamics.com/.default' }
        { name: 'SDI_URL', value: sdiUrl }
        { name: 'SDI_CERTIFICATE', value: sdiCertificate }
        { name: 'PAC_URL', value: pacUrl }
        { name: 'SAT_STATUS_URL', value: satStatusUrl }
        { name: 'SAT_CERTIFICATES_URL', value: satCertificatesUrl }
        { name: 'SAT_CERTIFICATES_DIR', value: satCertificatesDir }
        { name: 'SEFAZ_URL', value: sefazUrl }
        { name: 'SEFAZ_SVC_URL', value: sefazSvcUrl }
        { name: 'SEFAZ_CA_FILE', value: sefazCaFile }
      ]
    }
  }
  dependsOn: [documents, deployment, subscriptions, queue]
}

// Least privilege for the app's identity: data-plane roles only, each on the one resource it needs.
var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b' // host storage and documents (ETag writes)
  serviceBusDataSender: '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39'
  serviceBusDataReceiver: '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6' // private keys are read through the certificate's secret
  keyVaultCertificateUser: 'db79e9a7-68ee-4b58-9aeb-b90e7c24fcba'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
}

resource storageRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: storage
  name: guid(storage.id, identity.id, roles.storageBlobDataOwner)
  properties: {
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataOwner)
  }
}

resource busSenderRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: serviceBus
  name: guid(serviceBus.id, identity.id, roles.serviceBusDataSender)
  properties: {
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.serviceBusDataSender)
  }
}

resource busReceiverRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: serviceBus
  name: guid(serviceBus.id, identity.id, roles.serviceBusDataReceiver)
  properties: {
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.serviceBusDataReceiver)
  }
}

resource vaultSecretsRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: vault
  name: guid(vault.id, identity.id, roles.keyVaultSecretsUser)
  properties: {
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
  }
}

resource vaultCertificatesRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: vault
  name: guid(vault.id, identity.id, roles.keyVaultCertificateUser)
  properties: {
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultCertificateUser)
  }
}

resource metricsRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: insights
  name: guid(insights.id, identity.id, roles.monitoringMetricsPublisher)
  properties: {
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
  }
}

output functionAppName string = app.name
output functionAppUrl string = 'https://${app.properties.defaultHostName}/api'
output keyVaultUrl string = vault.properties.vaultUri
output serviceBusNamespace string = '${serviceBus.name}.servicebus.windows.net'
