import type { DocumentRecord } from '../../api/types';
import { ScrollRegion } from '../../components/ScrollRegion';
import { Time } from '../../components/Time';
import { documentHref } from '../../router';

/** The authority's events a step took note of, and the webhook notifications about this document. */
export function EventsAndNotifications({ record }: { record: DocumentRecord }) {
  const events = record.events ?? [];
  const notifications = record.notifications ?? [];
  return (
    <section aria-labelledby="events-title">
      <h2 id="events-title">Authority events and notifications</h2>
      <h3>Events from the authority</h3>
      {events.length === 0 ? (
        <p class="empty">No event from the authority.</p>
      ) : (
        <ScrollRegion label="Events from the authority">
          <table class="table">
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Event id</th>
                <th scope="col">Type</th>
                <th scope="col">Codes</th>
              </tr>
            </thead>
            <tbody>
              {events.map((event) => (
                <tr key={event.id}>
                  <td class="nowrap">
                    <Time iso={event.at} />
                  </td>
                  <th scope="row">
                    <code>{event.id}</code>
                  </th>
                  <td>{event.type}</td>
                  <td>{event.codes && event.codes.length > 0 ? event.codes.join(', ') : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollRegion>
      )}
      <h3>Webhook notifications</h3>
      {notifications.length === 0 ? (
        <p class="empty">No notification was sent (the tenant may have no webhook).</p>
      ) : (
        <ScrollRegion label="Webhook notifications">
          <table class="table">
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Status announced</th>
                <th scope="col" class="numeric">
                  Attempt
                </th>
                <th scope="col">Delivered</th>
                <th scope="col">HTTP status</th>
                <th scope="col">Error</th>
                <th scope="col">Next attempt</th>
              </tr>
            </thead>
            <tbody>
              {notifications.map((n) => (
                <tr key={`${n.eventId}-${n.attempt}`} class={n.delivered ? undefined : 'row-problem'}>
                  <td class="nowrap">
                    <Time iso={n.at} />
                  </td>
                  <th scope="row">{n.status}</th>
                  <td class="numeric">{n.attempt}</td>
                  <td>{n.delivered ? 'Yes' : 'No'}</td>
                  <td>{n.httpStatus ?? '—'}</td>
                  <td>{n.error ?? '—'}</td>
                  <td class="nowrap">
                    <Time iso={n.nextAttemptAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollRegion>
      )}
    </section>
  );
}

/** Links both ways between an original and the documents that refer to it (a cancellation). */
export function RelatedDocuments({ record }: { record: DocumentRecord }) {
  const related = record.related ?? [];
  if (!record.relatedTo && related.length === 0) return null;
  return (
    <section aria-labelledby="related-title">
      <h2 id="related-title">Related documents</h2>
      {record.relatedTo ? (
        <p>
          This document is a <strong>{record.relatedTo.kind}</strong> of{' '}
          <a href={documentHref(record.relatedTo.id)}>
            <code>{record.relatedTo.id}</code>
          </a>
          .
        </p>
      ) : null}
      {related.length > 0 ? (
        <>
          <p>Documents that refer to this one:</p>
          <ul>
            {related.map((r) => (
              <li key={r.id}>
                <a href={documentHref(r.id)}>
                  <code>{r.id}</code>
                </a>{' '}
                ({r.kind}, created <Time iso={r.createdAt} />)
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}
