// Prints the matrix variant ids as a JSON array, for the GitHub workflow's strategy.matrix
// (`fromJSON`), so the workflow never holds a second copy of the table.
// Usage: node --import tsx test/matrix/list.ts   (honours SERVERLESS_DASH_VARIANTS)
import { selectVariants } from './variants.js';

process.stdout.write(JSON.stringify(selectVariants(process.env.SERVERLESS_DASH_VARIANTS).map((v) => v.id)) + '\n');
