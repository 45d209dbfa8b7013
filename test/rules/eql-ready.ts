// Whether the EQL engine compiles queries yet (it is built in parallel); tests that need it skip with this message.
import { compileQuery } from '../../src/eql/index.js';

function ready(): boolean {
  try {
    compileQuery('any where true');
    return true;
  } catch {
    return false;
  }
}

export const skipWithoutEql: string | false = ready() ? false : 'needs the EQL engine (src/eql compileQuery is still the provisional skeleton)';
