/** The bot's slash commands. */
import { SlashCommandBuilder } from 'discord.js';

export const commands = [
  new SlashCommandBuilder().setName('join').setDescription('Join your voice channel'),
  new SlashCommandBuilder()
    .setName('say')
    .setDescription('Say something in the voice channel')
    .addStringOption((o) => o.setName('text').setDescription('What to say').setRequired(true)),
  new SlashCommandBuilder()
    .setName('voice')
    .setDescription('Pick the voice (built-in, Kokoro/Piper, or a saved cloned speaker)')
    .addStringOption((o) => o.setName('name').setDescription('Voice name, e.g. af_heart or a saved speaker').setRequired(true)),
  new SlashCommandBuilder().setName('stop').setDescription('Stop talking now and clear the queue'),
  new SlashCommandBuilder()
    .setName('read')
    .setDescription('Read this text channel aloud (on/off)')
    .addBooleanOption((o) => o.setName('on').setDescription('Read new messages aloud').setRequired(true)),
  new SlashCommandBuilder().setName('leave').setDescription('Leave the voice channel'),
].map((c) => c.toJSON());
