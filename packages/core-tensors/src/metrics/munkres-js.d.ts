// munkres-js 1.2.2 ships no types. Only the call twindb uses is declared: the default export solves
// the (rectangular, zero-padded) minimum-cost assignment and returns [row, column] pairs.
declare module 'munkres-js' {
  function computeMunkres(costMatrix: number[][], options?: { padValue?: number }): Array<[number, number]>;
  export default computeMunkres;
}
