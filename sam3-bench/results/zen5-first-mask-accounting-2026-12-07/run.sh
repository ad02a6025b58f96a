#!/usr/bin/env bash
# Where a fresh process's extra time to its first mask goes: per process, StartupProfile full openblas FP32 (build,
# then 2 rounds of encode + text prompt + 3 clicks) with each phase's CPU time by thread group (C1, C2, main,
# workers) and kernel time; PASSES passes of: JDK 17 as shipped (plain), JDK 17 with a class-data-sharing archive
# (dumped once by a tiny run, -XX:ArchiveClassesAtExit), and where Temurin 25 is installed, JDK 25 plain and JDK 25
# with an AOT cache (JEP 483/514/515: classes loaded and linked, method profiles; trained once by a tiny run). Then
# one JDK 17 process with JFR's compilation events (every compile's duration). Every process without the VM's
# OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE. Then account.py out/*.txt and compile-summary.py. Usage, from the repository root:
#   run.sh JAR CHECKPOINT_FULL CHECKPOINT_TINY [PASSES]
set -uo pipefail
D=$(cd "$(dirname "$0")" && pwd)
JAR=$1; CK=$2; TINY=$3; PASSES=${4:-3}
J25=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
export SAM3_SHARED=${SAM3_SHARED:-$(cd .. && pwd)/shared}
mkdir -p "$D/out" "$D/work"
CLEAN=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE)
LOG=$D/run-log.txt
note() { echo "== $(date -u +%T) $* (load $(cut -d' ' -f1-3 /proc/loadavg))" >> "$LOG"; }
echo "start $(date -u +%FT%TZ) load $(cat /proc/loadavg)" >> "$LOG"
profile() { # NAME JAVA [JVM FLAGS...]
  local name=$1 java=$2; shift 2
  note "$name"
  "${CLEAN[@]}" "$java" "$@" --add-modules jdk.incubator.vector -Xmx16g -Dsam3j.bench.precision=fp32 -cp "$JAR" \
      org.sam3j.bench.StartupProfile full openblas "$CK" 2 3 > "$D/out/$name.txt" 2>&1
  echo "   rc=$?" >> "$LOG"
}
train() { # JAVA ARCHIVE-FLAG
  note "train $2"
  "${CLEAN[@]}" "$1" "$2" --add-modules jdk.incubator.vector -Xmx16g -Dsam3j.bench.precision=fp32 -cp "$JAR" \
      org.sam3j.bench.StartupProfile tiny openblas "$TINY" 1 3 > "$D/work/train-$(basename "${2#*=}").txt" 2>&1
  echo "   rc=$?" >> "$LOG"
}
rm -f "$D/work/sam3.jsa" "$D/work/sam3.aot"
train java "-XX:ArchiveClassesAtExit=$D/work/sam3.jsa"
[ -x "$J25" ] && train "$J25" "-XX:AOTCacheOutput=$D/work/sam3.aot"
for i in $(seq 1 "$PASSES"); do
  profile "jdk17-$i" java
  profile "jdk17-cds-$i" java "-XX:SharedArchiveFile=$D/work/sam3.jsa"
  if [ -x "$J25" ]; then
    profile "jdk25-$i" "$J25"
    profile "jdk25-aot-$i" "$J25" "-XX:AOTCache=$D/work/sam3.aot"
  fi
done
cat > "$D/work/compile.jfc" <<'JFC'
<?xml version="1.0" encoding="UTF-8"?>
<configuration version="2.0">
  <event name="jdk.Compilation">
    <setting name="enabled">true</setting>
    <setting name="threshold">0 ms</setting>
  </event>
</configuration>
JFC
note "jfr"
"${CLEAN[@]}" java "-XX:StartFlightRecording=filename=$D/work/compile.jfr,settings=$D/work/compile.jfc" \
    --add-modules jdk.incubator.vector -Xmx16g -Dsam3j.bench.precision=fp32 -cp "$JAR" \
    org.sam3j.bench.StartupProfile full openblas "$CK" 2 3 > "$D/out/jdk17-jfr.txt" 2>&1
echo "   rc=$?" >> "$LOG"
jfr print --json --events jdk.Compilation "$D/work/compile.jfr" > "$D/work/compile.json"
python3 "$D/compile-summary.py" "$D/work/compile.json" "$D/out/jdk17-jfr.txt" > "$D/out/compile-summary.txt"
python3 "$D/account.py" "$D"/out/jdk*-[0-9].txt > "$D/out/account.txt"
echo "end $(date -u +%FT%TZ) load $(cat /proc/loadavg)" >> "$LOG"
