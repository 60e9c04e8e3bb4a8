"""Times one command from process start to exit (wall clock, like `time`): runs it once with
stdout to a file and prints one JSON line with the seconds, records/s (RECORDS given) and the
command's last stdout line when it is JSON (the peers' own in-process figures).

    time_process.py RECORDS [--fresh DIR] [--stdout FILE] -- COMMAND...

--fresh DIR removes DIR before the run (outside the timed span): a replay with --state DIR
then starts from an empty state every time instead of resuming a finished one."""
import json, shutil, subprocess, sys, time

args = sys.argv[1:]
records = int(args.pop(0))
fresh = out = None
while args[0] != "--":
    flag, value = args.pop(0), args.pop(0)
    if flag == "--fresh": fresh = value
    elif flag == "--stdout": out = value
args.pop(0)
if fresh: shutil.rmtree(fresh, ignore_errors=True)
sink = open(out or "/dev/null", "wb")
start = time.perf_counter()
result = subprocess.run(args, stdout=sink, stderr=subprocess.DEVNULL)
seconds = time.perf_counter() - start
sink.close()
if result.returncode != 0:
    sys.exit(f"exit status {result.returncode}: {' '.join(args)}")
line = {"seconds": seconds, "records_per_s": records / seconds}
if out:
    with open(out, "rb") as f:
        tail = f.read().decode(errors="replace").strip().splitlines()
    try:
        inner = json.loads(tail[-1]) if tail else None
        if isinstance(inner, dict): line["inner"] = inner
    except ValueError:
        pass
print(json.dumps(line))
