import type { ComponentChildren } from 'preact';
import { getJson } from '../../api/client';
import type { CompanySetup, Feature, Flow, ListResponse } from '../../api/types';
import { ProblemNotice } from '../../components/ProblemNotice';
import { ScrollRegion } from '../../components/ScrollRegion';
import { Time } from '../../components/Time';
import { useResource } from '../../hooks';
import { describeCondition, FlowDiagram } from './FlowDiagram';
import { NO_REFERENCES, showParameter, type References } from './parameters';

/** What the tenant runs, read-only: features and their companies, Business Central setups, and the flows. */
export function ConfigurationView() {
  const features = useResource((signal) => getJson<ListResponse<Feature>>('features', undefined, signal), []);
  const companies = useResource(
    (signal) => getJson<ListResponse<CompanySetup>>('companies', undefined, signal),
    [],
  );
  const flows = useResource((signal) => getJson<ListResponse<Flow>>('flows', undefined, signal), []);
  return (
    <>
      <h1>Configuration</h1>
      <p class="lead">
        Read-only. Certificates and secrets are shown by name only; their values never reach this page.
      </p>
      <nav aria-label="On this page" class="page-toc">
        <ul>
          <li>
            <a href="#/configuration" onClick={jumpTo('features-title')}>
              Features
            </a>
          </li>
          <li>
            <a href="#/configuration" onClick={jumpTo('companies-title')}>
              Business Central companies
            </a>
          </li>
          <li>
            <a href="#/configuration" onClick={jumpTo('flows-title')}>
              Flows
            </a>
          </li>
        </ul>
      </nav>
      <section aria-labelledby="features-title">
        <h2 id="features-title" tabIndex={-1}>
          Features
        </h2>
        <ProblemNotice error={features.error} context="The features could not be loaded" />
        {features.data?.items.map((feature) => (
          <FeatureCard key={feature.id} feature={feature} />
        ))}
      </section>
      <section aria-labelledby="companies-title">
        <h2 id="companies-title" tabIndex={-1}>
          Business Central company setups
        </h2>
        <ProblemNotice error={companies.error} context="The company setups could not be loaded" />
        {companies.data && companies.data.items.length === 0 ? (
          <p class="empty">No company is set up.</p>
        ) : null}
        {companies.data?.items.map((company) => (
          <CompanyCard key={company.companyId} company={company} />
        ))}
      </section>
      <section aria-labelledby="flows-title">
        <h2 id="flows-title" tabIndex={-1}>
          Flows
        </h2>
        <ProblemNotice error={flows.error} context="The flows could not be loaded" />
        {flows.data?.items.map((flow) => (
          <FlowCard key={`${flow.featureId ?? ''}:${flow.id}:${flow.version}`} flow={flow} />
        ))}
      </section>
    </>
  );
}

/** In-page links cannot use fragments (the hash is the route), so they move focus themselves. */
function jumpTo(id: string) {
  return (event: Event) => {
    event.preventDefault();
    const target = document.getElementById(id);
    target?.scrollIntoView();
    target?.focus();
  };
}

function FeatureCard({ feature }: { feature: Feature }) {
  const references: References = {
    certificates: new Set(feature.certificates ?? []),
    secrets: new Set(feature.secrets ?? []),
  };
  const relatedKinds = feature.relatedKinds ?? Object.keys(feature.related ?? {});
  const companies = Object.entries(feature.companies ?? {});
  return (
    <article class="card" aria-labelledby={`feature-${feature.id}`}>
      <h3 id={`feature-${feature.id}`}>
        {feature.title} <code class="secondary-inline">{feature.id}</code>
      </h3>
      <dl class="facts">
        <div class="fact">
          <dt>Versions</dt>
          <dd>
            <ul class="inline-list">
              {feature.versions.map((version) => (
                <li key={version}>
                  {version}
                  {version === feature.enabledVersion ? (
                    <strong class="tag">{feature.byDefault ? 'runs by default' : 'enabled'}</strong>
                  ) : null}
                </li>
              ))}
            </ul>
            {feature.enabledVersion ? null : <span class="secondary">Not enabled for this tenant.</span>}
          </dd>
        </div>
        {feature.enabledAt ? (
          <div class="fact">
            <dt>Enabled</dt>
            <dd>
              <Time iso={feature.enabledAt} />
            </dd>
          </div>
        ) : null}
        <div class="fact">
          <dt>Direction</dt>
          <dd>
            {feature.direction ?? '—'}
            {feature.country ? `, ${feature.country}` : ''}
          </dd>
        </div>
        <div class="fact">
          <dt>Flows</dt>
          <dd>{feature.flows && feature.flows.length > 0 ? feature.flows.join(', ') : '—'}</dd>
        </div>
        <div class="fact">
          <dt>Formats</dt>
          <dd>{feature.formats && feature.formats.length > 0 ? feature.formats.join(', ') : '—'}</dd>
        </div>
        {relatedKinds.length > 0 ? (
          <div class="fact">
            <dt>Related submissions</dt>
            <dd>{relatedKinds.join(', ')}</dd>
          </div>
        ) : null}
      </dl>
      <h4>Companies</h4>
      {companies.length === 0 ? (
        <p class="empty">No company parameters: defaults apply.</p>
      ) : (
        <div class="parameter-grid">
          {companies.map(([companyId, company]) => (
            <ParameterTable
              key={companyId}
              title={`${feature.id}: company ${companyId}`}
              heading={
                <>
                  Company <code>{companyId}</code>, updated <Time iso={company.updatedAt} />
                </>
              }
              values={company.parameters}
              references={references}
            />
          ))}
        </div>
      )}
    </article>
  );
}

function CompanyCard({ company }: { company: CompanySetup }) {
  const { companyId, ...settings } = company;
  return (
    <article class="card" aria-labelledby={`company-${companyId}`}>
      <h3 id={`company-${companyId}`}>
        Company <code>{companyId}</code>
      </h3>
      <ParameterTable title={`Setup of ${companyId}`} values={settings} references={NO_REFERENCES} />
    </article>
  );
}

function ParameterTable(props: {
  title: string;
  heading?: ComponentChildren;
  values: Record<string, unknown>;
  references: References;
}) {
  const entries = Object.entries(props.values);
  return (
    <div class="parameters">
      {props.heading ? <p class="parameters-heading">{props.heading}</p> : null}
      {entries.length === 0 ? (
        <p class="empty">No parameters.</p>
      ) : (
        <ScrollRegion label={props.title}>
          <table class="table key-values">
            <caption class="visually-hidden">{props.title}</caption>
            <thead>
              <tr>
                <th scope="col">Parameter</th>
                <th scope="col">Value</th>
              </tr>
            </thead>
            <tbody>
              {entries.map(([name, value]) => {
                const shown = showParameter(name, value, props.references);
                return (
                  <tr key={name}>
                    <th scope="row">
                      <code>{name}</code>
                    </th>
                    <td class="message">
                      {shown.kind === 'reference' ? (
                        <>
                          <span class="tag">{shown.store} name</span> <code>{shown.name}</code>
                        </>
                      ) : (
                        shown.text
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </ScrollRegion>
      )}
    </div>
  );
}

function FlowCard({ flow }: { flow: Flow }) {
  const headingId = `flow-${flow.featureId ?? 'none'}-${flow.id}`;
  return (
    <article class="card" aria-labelledby={headingId}>
      <h3 id={headingId}>
        <code>{flow.id}</code> v{flow.version}
        {flow.enabled ? null : <strong class="tag">disabled</strong>}
      </h3>
      <p>{flow.description}</p>
      <dl class="facts">
        <div class="fact">
          <dt>Feature</dt>
          <dd>{flow.featureId ? `${flow.featureId} ${flow.featureVersion ?? ''}` : '—'}</dd>
        </div>
        <div class="fact">
          <dt>Takes</dt>
          <dd>
            {flow.input ? flow.input.kinds.join(', ') : 'any body'}
            {flow.input?.formats ? ` (${flow.input.formats.join(', ')})` : ''}
          </dd>
        </div>
        <div class="fact">
          <dt>Applies when</dt>
          <dd>
            {flow.applicability ? describeCondition(flow.applicability) : `context.flowId is "${flow.id}"`}
          </dd>
        </div>
      </dl>
      <details>
        <summary>
          The {flow.steps.length} steps of {flow.id} and their routes
        </summary>
        <FlowDiagram flow={flow} />
      </details>
    </article>
  );
}
