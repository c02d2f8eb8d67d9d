/**
 * A Discord voice bot that speaks with Flash-TTS. The server's realtime endpoint sends 48 kHz
 * 20 ms Opus packets; they go into @discordjs/voice as they are (StreamType.Opus): no ffmpeg.
 *
 *   FLASH_TTS_URL=ws://127.0.0.1:8000/v1/realtime DISCORD_TOKEN=… npm start
 */
import {
  AudioPlayerStatus,
  createAudioPlayer,
  createAudioResource,
  entersState,
  getVoiceConnection,
  joinVoiceChannel,
  NoSubscriberBehavior,
  StreamType,
  VoiceConnectionStatus,
} from '@discordjs/voice';
import { Client, Events, GatewayIntentBits, type GuildMember } from 'discord.js';
import { createRealtimeClient, DiscordSpeechQueue, speakForDiscord } from 'flash-tts/adapters';

const token = process.env.DISCORD_TOKEN;
if (!token) throw new Error('Set DISCORD_TOKEN.');
const tts = await createRealtimeClient(process.env.FLASH_TTS_URL ?? 'ws://127.0.0.1:8000/v1/realtime', {
  ...(process.env.FLASH_TTS_API_KEY ? { apiKey: process.env.FLASH_TTS_API_KEY } : {}),
  format: { encoding: 'opus', channels: 2 },
});

interface GuildState {
  queue: DiscordSpeechQueue;
  voice: string | undefined;
  readChannel: string | undefined;
}
const guilds = new Map<string, GuildState>();

function stateOf(guildId: string): GuildState {
  let state = guilds.get(guildId);
  if (!state) {
    const player = createAudioPlayer({ behaviors: { noSubscriber: NoSubscriberBehavior.Pause } });
    getVoiceConnection(guildId)?.subscribe(player);
    const queue = new DiscordSpeechQueue(async (stream) => {
      getVoiceConnection(guildId)?.subscribe(player);
      // silencePaddingFrames 0: a stopped reply ends at once; the stream itself keeps gaps filled.
      player.play(createAudioResource(stream, { inputType: StreamType.Opus, silencePaddingFrames: 0 }));
      await entersState(player, AudioPlayerStatus.Playing, 5_000).catch(() => undefined);
      await new Promise<void>((resolve) => player.once(AudioPlayerStatus.Idle, () => resolve()));
    });
    state = { queue, voice: undefined, readChannel: undefined };
    guilds.set(guildId, state);
  }
  return state;
}

function say(guildId: string, text: string): void {
  const state = stateOf(guildId);
  state.queue.enqueue(() => speakForDiscord(tts, text, state.voice ? { voice: state.voice } : {}));
}

const client = new Client({
  intents: [
    GatewayIntentBits.Guilds,
    GatewayIntentBits.GuildVoiceStates,
    GatewayIntentBits.GuildMessages,
    GatewayIntentBits.MessageContent,
  ],
});

client.on(Events.InteractionCreate, async (interaction) => {
  if (!interaction.isChatInputCommand() || !interaction.guildId || !interaction.guild) return;
  const guildId = interaction.guildId;
  switch (interaction.commandName) {
    case 'join': {
      const channel = (interaction.member as GuildMember).voice.channel;
      if (!channel) return void interaction.reply({ content: 'Join a voice channel first.', ephemeral: true });
      const connection = joinVoiceChannel({
        channelId: channel.id,
        guildId,
        adapterCreator: interaction.guild.voiceAdapterCreator,
      });
      await entersState(connection, VoiceConnectionStatus.Ready, 20_000);
      stateOf(guildId);
      return void interaction.reply(`Joined ${channel.name}.`);
    }
    case 'say':
      say(guildId, interaction.options.getString('text', true));
      return void interaction.reply({ content: 'Speaking.', ephemeral: true });
    case 'voice':
      stateOf(guildId).voice = interaction.options.getString('name', true);
      return void interaction.reply(`Voice set to ${stateOf(guildId).voice}.`);
    case 'stop':
      await stateOf(guildId).queue.stop();
      return void interaction.reply({ content: 'Stopped.', ephemeral: true });
    case 'read':
      stateOf(guildId).readChannel = interaction.options.getBoolean('on', true) ? interaction.channelId : undefined;
      return void interaction.reply(stateOf(guildId).readChannel ? 'Reading this channel aloud.' : 'Stopped reading.');
    case 'leave':
      await stateOf(guildId).queue.stop();
      getVoiceConnection(guildId)?.destroy();
      return void interaction.reply('Bye.');
  }
});

client.on(Events.MessageCreate, (message) => {
  if (!message.guildId || message.author.bot) return;
  if (guilds.get(message.guildId)?.readChannel === message.channelId && message.content.trim() !== '') {
    say(message.guildId, `${message.member?.displayName ?? message.author.username} says: ${message.content}`);
  }
});

client.once(Events.ClientReady, (c) => console.log(`Logged in as ${c.user.tag}`));
await client.login(token);
