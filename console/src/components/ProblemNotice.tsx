import { ApiError } from '../api/client';

/** A failure as the service explained it: its title, its stable code, and where each problem is. */
export function ProblemNotice({ error, context }: { error: unknown; context?: string }) {
  if (error === undefined || error === null) return null;
  const problem =
    error instanceof ApiError
      ? error
      : new ApiError(
          0,
          error instanceof Error ? error.message : 'Something went wrong in the console',
          'console.error',
        );
  return (
    <div class="notice notice-error" role="alert">
      <p>
        {context ? <strong>{context}: </strong> : null}
        {problem.title} <code class="problem-code">{problem.code}</code>
      </p>
      {problem.problems.length > 0 ? (
        <ul>
          {problem.problems.map((p, index) => (
            <li key={index}>
              <code>{p.path}</code>: {p.message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

export function isNotFound(error: unknown): boolean {
  return error instanceof ApiError && error.status === 404;
}
