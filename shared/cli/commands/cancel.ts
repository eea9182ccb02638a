import { documentActionCommand } from '../document-action';

export const cancel = documentActionCommand({
  action: 'cancel',
  description: 'stop a document that has not finished',
  details:
    'Prints `cancelled ID`. Exit 1 when the service refuses: a document that already reached a final ' +
    'status answers document.finished.',
  example: {
    command: 'einvoice cancel 01kax3r1zj2m7n4p5q6r7s8t9v',
    comment: 'stop a document waiting for its next submission attempt',
  },
});
