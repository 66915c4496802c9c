#!/usr/bin/env bash
# Operator scale benchmark: OperatorScaleBench (operator/src/test/java/dev/finetune/operator/bench)
# applies N FineTuneJobs (default 1,000) to fabric8's mock API server and prints BENCH lines:
# Quarkus start-up, first create -> all <name>-attempt-1 Jobs, reconcile p50/p90/p99 (JOSDK's
# timer), RSS of the test JVM (mock server + operator together: an upper bound for the operator).
#   bench/operator/run.sh [JOBS]          log: bench/results/operator-<utc>.log
# Then the same JOBS through OperatorLoadDrillIT: the packaged operator as its own JVM
# (quarkus-run.jar, -Xmx256m) against a standalone mock API server, SIGKILLed half-way and
# restarted; prints DRILL lines with its start-up time, reconcile p99 and the RSS of the operator
# process alone. Then the same JOBS against the real control plane (bin/cluster, kube-apiserver
# 1.37.2): ClusterScaleBench, the packaged operator as its ServiceAccount with the same JVM flags,
# the real Job controller and scheduler (BENCH cluster lines: time to every Job and to every pod
# scheduled, reconcile p50/p99, API latency, RSS of the operator and of kube-apiserver).
# Skip a part with SKIP_INPROCESS=1, SKIP_PROCESS=1 or SKIP_CLUSTER=1.
# Extra Maven flags via MVN_FLAGS (e.g. MVN_FLAGS=-o for offline); JVM flags for the test JVM via
# BENCH_ARGLINE (e.g. BENCH_ARGLINE=-Xmx256m; default: the JVM's own heap sizing).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
jobs="${1:-1000}"
mkdir -p bench/results
log="bench/results/operator-$(date -u +%Y%m%dT%H%M%SZ).log"
# -Dtest selects only the bench (it is skipped without -Dbench.operator=true and its name matches
# no default surefire/failsafe pattern); failsafe's ITs are skipped; upstream modules run no tests.
if [ -z "${SKIP_INPROCESS:-}" ]; then
mvn -B -ntp ${MVN_FLAGS:-} -pl operator -am test \
  -Dtest=OperatorScaleBench -Dsurefire.failIfNoSpecifiedTests=false \
  -Dbench.operator=true -Dbench.operator.jobs="$jobs" \
  ${BENCH_ARGLINE:+"-DargLine=$BENCH_ARGLINE"} 2>&1 | tee "$log" >/dev/null || {
  tail -50 "$log"; echo "mvn failed, see $log" >&2; exit 1; }
grep -E "started in [0-9.]+s" "$log" | tail -1 | sed -E 's/.*(started in [0-9.]+s).*/BENCH quarkus_\1/'
grep '^BENCH ' "$log"
echo "log: $log"
fi
# The operator JVM's flags: those of deploy/base/operator.yaml (JAVA_TOOL_OPTIONS) unless
# OPERATOR_JVM is set (OPERATOR_JVM=" " runs the drill's plain -Xmx256m).
deploy_jvm="-Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=32m \
-XX:MaxMetaspaceSize=128m -Xss512k -XX:MaxDirectMemorySize=32m \
-Dio.netty.allocator.numDirectArenas=1 -Dio.netty.allocator.numHeapArenas=1"
if [ -z "${SKIP_PROCESS:-}" ]; then
  plog="bench/results/operator-process-$(date -u +%Y%m%dT%H%M%SZ).log"
  mvn -B -ntp ${MVN_FLAGS:-} -pl operator -am verify \
    -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false \
    -Dit.test=OperatorLoadDrillIT -Dfailsafe.failIfNoSpecifiedTests=false \
    -Ddrill.load.jobs="$jobs" -Ddrill.load.timeout-s=900 \
    "-Ddrill.operator.jvm=${OPERATOR_JVM:-$deploy_jvm}" 2>&1 | tee "$plog" >/dev/null || {
    tail -50 "$plog"; echo "mvn failed, see $plog" >&2; exit 1; }
  grep '^DRILL load ' "$plog"
  echo "log: $plog"
fi
if [ -z "${SKIP_CLUSTER:-}" ]; then
  clog="bench/results/operator-cluster-$(date -u +%Y%m%dT%H%M%SZ).log"
  PATH="$(bin/cluster build):$PATH" mvn -B -ntp ${MVN_FLAGS:-} -pl operator -am verify \
    -Dtest=ClusterScaleBench -Dsurefire.failIfNoSpecifiedTests=false \
    -Dit.test=none -Dfailsafe.failIfNoSpecifiedTests=false \
    -Dbench.operator.cluster=true -Dbench.operator.jobs="$jobs" \
    "-Ddrill.operator.jvm=${OPERATOR_JVM:-$deploy_jvm}" 2>&1 | tee "$clog" >/dev/null || {
    tail -50 "$clog"; echo "mvn failed, see $clog" >&2; exit 1; }
  grep '^BENCH cluster ' "$clog"
  echo "log: $clog"
fi
