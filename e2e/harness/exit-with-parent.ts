/**
 * Preloaded into every service the fault tests spawn (`node --import tsx --import <this>`): when
 * the test process that started it is gone (a crashed or killed test worker), the service kills
 * itself, so an aborted run leaves no sentinel or UI listening behind. Test-only.
 */
const parentPid = Number(process.env.FAULTS_PARENT_PID);
if (Number.isInteger(parentPid) && parentPid > 1) {
  const watch = setInterval(() => {
    try {
      process.kill(parentPid, 0);
    } catch {
      process.kill(process.pid, "SIGKILL");
    }
  }, 1_000);
  watch.unref();
}

export {};
