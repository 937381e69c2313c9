import { deleteCommand } from '../../entity-commands.ts';

export default deleteCommand('consumers');
