#!/usr/bin/env bash
# A Spark standalone cluster on this machine, from the jars Noctua runs with (target/lib: the same Spark,
# hadoop-aws for s3://, Hive's SerDes), without a Spark distribution: for trying Noctua on a cluster.
#   tools/spark-standalone.sh start [WORKERS]   a master on spark://127.0.0.1:7077 (web UI :8080) and
#                                                WORKERS workers (2), each 1 core and 2 GiB
#   tools/spark-standalone.sh stop
# State and logs go to ${SPARK_DEMO_DIR:-/tmp/noctua-spark}. Run ./noctua serve --help once first (it builds target/lib).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="${SPARK_DEMO_DIR:-/tmp/noctua-spark}"
command="${1:-}"

stop() {
  for pid_file in "$dir"/*.pid; do
    [[ -e "$pid_file" ]] || continue
    kill "$(cat "$pid_file")" 2>/dev/null || true
    rm -f "$pid_file"
  done
}

case "$command" in
  start)
    workers="${2:-2}"
    if [[ ! -d "$root/target/lib" ]]; then
      echo "spark-standalone: $root/target/lib is missing: run ./noctua serve --help once to build it" >&2
      exit 1
    fi
    stop
    # the workers run executors as java -cp "$SPARK_HOME/jars/*": a SPARK_HOME whose jars/ are Noctua's
    mkdir -p "$dir/home"
    ln -sfn "$root/target/lib" "$dir/home/jars"
    export SPARK_HOME="$dir/home" SPARK_SCALA_VERSION=2.13 SPARK_LOCAL_IP=127.0.0.1
    opens=$(sed -n 's:.*<spark.java.opens>\(.*\)</spark.java.opens>.*:\1:p' "$root/pom.xml")
    # shellcheck disable=SC2086
    nohup java $opens -Xmx256m -cp "$SPARK_HOME/jars/*" org.apache.spark.deploy.master.Master \
      --host 127.0.0.1 --port 7077 --webui-port 8080 >"$dir/master.log" 2>&1 &
    echo $! >"$dir/master.pid"
    for _ in $(seq 1 60); do grep -q "I have been elected leader" "$dir/master.log" && break; sleep 1; done
    grep -q "I have been elected leader" "$dir/master.log" || { echo "spark-standalone: the master did not start; see $dir/master.log" >&2; exit 1; }
    for n in $(seq 1 "$workers"); do
      mkdir -p "$dir/work-$n"
      # shellcheck disable=SC2086
      nohup java $opens -Xmx256m -cp "$SPARK_HOME/jars/*" org.apache.spark.deploy.worker.Worker \
        --host 127.0.0.1 --cores 1 --memory 2g --webui-port $((8080 + n)) --work-dir "$dir/work-$n" \
        spark://127.0.0.1:7077 >"$dir/worker-$n.log" 2>&1 &
      echo $! >"$dir/worker-$n.pid"
    done
    for _ in $(seq 1 60); do
      [[ $(grep -c "Registering worker" "$dir/master.log") -ge "$workers" ]] && break
      sleep 1
    done
    echo "spark://127.0.0.1:7077: master and $(grep -c "Registering worker" "$dir/master.log") of $workers workers (logs in $dir)"
    ;;
  stop)
    stop
    echo "stopped the master and workers of $dir"
    ;;
  *)
    sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
