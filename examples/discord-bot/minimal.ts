import { createAudioPlayer, createAudioResource, joinVoiceChannel, StreamType } from '@discordjs/voice';
import { Client, GatewayIntentBits } from 'discord.js';
import { createRealtimeClient, speakForDiscord } from 'flash-tts/adapters';

const tts = await createRealtimeClient('ws://127.0.0.1:8000/v1/realtime', { format: { encoding: 'opus', channels: 2 } });
const bot = new Client({ intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildVoiceStates, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent] });
const player = createAudioPlayer();
bot.on('messageCreate', (message) => {
  const channel = message.member?.voice.channel;
  if (!channel || !message.content.startsWith('!say ')) return;
  joinVoiceChannel({ channelId: channel.id, guildId: channel.guild.id, adapterCreator: channel.guild.voiceAdapterCreator }).subscribe(player);
  player.play(createAudioResource(speakForDiscord(tts, message.content.slice(5)).stream, { inputType: StreamType.Opus, silencePaddingFrames: 0 }));
});
await bot.login(process.env.DISCORD_TOKEN);
