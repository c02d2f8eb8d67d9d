import { readdirSync, readFileSync } from 'node:fs';

/** Threads of this process whose niceness is `niceness` (field 19 of /proc/self/task/<tid>/stat). */
export function threadsAtNiceness(niceness: number): number {
  let count = 0;
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      // The name (field 2) may hold spaces; the fields after its closing parenthesis do not.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[16]) === niceness) count++;
    } catch {
      // The thread ended while being read.
    }
  }
  return count;
}
