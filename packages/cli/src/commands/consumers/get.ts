import { getCommand } from '../../entity-commands.ts';

export default getCommand('consumers');
