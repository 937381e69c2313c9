import { createCommand } from '../../entity-commands.ts';

export default createCommand('consumers');
