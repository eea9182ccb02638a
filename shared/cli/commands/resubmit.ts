import { documentActionCommand } from '../document-action';

export const resubmit = documentActionCommand({
  action: 'resubmit',
  description: 'start a failed, rejected or cancelled document again',
  details:
    'Prints the new status and the id. Exit 1 when the service refuses (a completed document, or one ' +
    'still running, answers document.not-resubmittable).',
  example: {
    command: 'einvoice resubmit 01kax3r1zj2m7n4p5q6r7s8t9v',
    comment: 'retry a document that failed (after fixing what made it fail)',
  },
});
