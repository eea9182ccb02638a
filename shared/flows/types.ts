/** Types of flow definitions; the JSON Schema `flows/schema/flow.schema.json` is the authority (a test checks them). */
export type Scalar = string | number | boolean;

export type ConditionOp = 'eq' | 'ne' | 'in' | 'gt' | 'ge' | 'lt' | 'le' | 'contains' | 'startsWith';

export type Condition =
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition }
  | { field: string; op: ConditionOp; value: Scalar | Scalar[] };

export interface RetryPolicy {
  maxAttempts: number;
  backoff?: 'fixed' | 'exponential';
  initialDelay?: string;
  maxDelay?: string;
}

export type OutcomeRoute = 'accepted' | 'rejected' | 'pending' | 'failed';

export interface StepDefinition {
  id: string;
  action: string;
  description?: string;
  with?: Record<string, unknown>;
  timeout?: string;
  retry?: RetryPolicy;
  on?: Partial<Record<OutcomeRoute, string>>;
}

/** What intake can tell a body is: a canonical invoice, an edoc transfer document (JSON), or XML. */
export type InputKind = 'canonical' | 'edoc-transfer' | 'payment' | 'xml';

/**
 * What a flow takes in; intake refuses anything else. `formats` (format ids) narrows `xml` to the documents
 * of those formats.
 */
export interface FlowInput {
  kinds: InputKind[];
  formats?: string[];
}

export interface FlowDefinition {
  id: string;
  version: number;
  description: string;
  enabled?: boolean;
  tenants?: string[];
  applicability?: Condition;
  /** Absent: the flow takes any body, and its steps decide. */
  input?: FlowInput;
  variables?: Record<string, Scalar>;
  steps: StepDefinition[];
}

/** A feature's version, as records and flows name it. */
export interface FeatureRef {
  id: string;
  version: string;
}

/** Where a flow file came from (for error messages), and the feature version it belongs to, if any. */
export interface LoadedFlow {
  flow: FlowDefinition;
  source: string;
  feature?: FeatureRef;
}
