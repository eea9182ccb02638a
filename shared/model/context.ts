/**
 * The context an ERP sends with a document. Flows match on these fields (applicability rules).
 * `tenantId` is always set by the service from the caller's API key, never taken from the body.
 */
export interface DocumentContext {
  tenantId: string;
  companyId?: string;
  /** ISO 3166-1 alpha-2 country of the issuing company. */
  country?: string;
  /** e.g. `invoice`, `credit-note`. */
  documentType?: string;
  direction?: 'outbound' | 'inbound';
  /** Target format id, e.g. `peppol-bis3-ubl`. */
  format?: string;
  /** The client's own key for this document: resubmitting it returns the existing document. */
  clientKey?: string;
  /** Names the flow directly instead of applicability rules. */
  flowId?: string;
  /** Further fields a flow may match on. */
  [field: string]: string | number | boolean | undefined;
}
