/**
 * A load process's share of a workload spread over several processes (`RoomsTask`). Its clients
 * stay open between typing windows. Each window starts and ends at wall-clock times the harness
 * sets, the same in every process, so that the harness can read the server's CPU over exactly
 * that span itself and add up what the processes counted in it.
 */
import { cpuSeconds } from '../cpuTime.js';
import { now, sleep } from './clients.js';
import { drain, LoadRoom, typeAtRate } from './room.js';
import type { LoadCommand, LoadMessage, RoomsTask, WindowCommand, WindowReport } from './tasks.js';

export async function holdRooms(task: RoomsTask, send: (message: LoadMessage) => void): Promise<{ windows: number }> {
  // Commands can come while a window runs: queue them rather than miss one.
  const commands: LoadCommand[] = [];
  let wake: (() => void) | null = null;
  process.on('message', (command: LoadCommand) => {
    commands.push(command);
    wake?.();
  });
  const nextCommand = async (): Promise<LoadCommand> => {
    while (commands.length === 0) await new Promise<void>((done) => (wake = done));
    wake = null;
    return commands.shift()!;
  };

  const room = await LoadRoom.openCases(task.target, task.endpoint, task.caseIds, task.clientsPerCase, (i) => `${task.userPrefix}${i}`);
  const writers = room.clients.map((_, i) => i).filter((i) => i % task.clientsPerCase < task.writersPerCase);
  send({ ready: true });
  let windows = 0;
  for (let command = await nextCommand(); command !== 'close'; command = await nextCommand()) {
    send({ window: await typingWindow(room, writers, command.window) });
    windows++;
  }
  await room.close();
  return { windows };
}

async function typingWindow(room: LoadRoom, writers: number[], command: WindowCommand): Promise<WindowReport> {
  // Counting starts before the window does: a writer in another process may start a moment
  // before this process's timer fires, and its first edits must count here too.
  room.startRecording(command.at);
  await sleep(command.at - now());
  const cpuAtStart = cpuSeconds('self');
  const sent = await typeAtRate(room, writers, command.ratePerWriter, command.seconds);
  // Typing ends a little before the window does (each writer's last edit is due within it).
  await sleep(command.at + command.seconds * 1000 - now());
  const loadCpuSeconds = cpuSeconds('self') - cpuAtStart;
  const receivedInWindow = room.received;
  await drain(room, command.expected, command.quietMs);
  const samples = room.stopRecording();
  return { sent, receivedInWindow, received: room.received, samples, loadCpuSeconds };
}
