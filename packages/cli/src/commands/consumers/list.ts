import { listCommand } from '../../entity-commands.ts';

export default listCommand('consumers');
