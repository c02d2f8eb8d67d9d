/** Registers the slash commands once: DISCORD_TOKEN=… DISCORD_CLIENT_ID=… npm run register */
import { REST, Routes } from 'discord.js';
import { commands } from './commands.js';

const token = process.env.DISCORD_TOKEN;
const clientId = process.env.DISCORD_CLIENT_ID;
if (!token || !clientId) throw new Error('Set DISCORD_TOKEN and DISCORD_CLIENT_ID.');
await new REST().setToken(token).put(Routes.applicationCommands(clientId), { body: commands });
console.log(`Registered ${commands.length} commands.`);
