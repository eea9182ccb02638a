// The Business Central stand-in is part of the product (`einvoice sandbox --authority bc`).
export * from '../../shared/sandbox/bc-standin';
