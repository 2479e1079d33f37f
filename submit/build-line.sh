# Sourced by the submit/ scripts: which build they use. Unset CHARRNN_BUILD is the default build (Spark 4, in
# target/); CHARRNN_BUILD=spark-3.5 is the Maven profile of that name, built into target/spark-3.5. The versions
# each build runs (Spark, Scala, Hadoop) have one source, pom.xml, and reach the scripts through the build's
# io/charrnn/build.properties.
# Needs $root (the project directory). Sets build_dir and build_flags (Maven's -P flag, or nothing).
build_dir="$root/target${CHARRNN_BUILD:+/$CHARRNN_BUILD}"
build_flags=()
if [ -n "${CHARRNN_BUILD:-}" ]; then
  if ! grep -q "<id>$CHARRNN_BUILD</id>" "$root/pom.xml"; then
    echo "charrnn: CHARRNN_BUILD=$CHARRNN_BUILD is no build of pom.xml; unset it (Spark 4) or use spark-3.5" >&2
    exit 2
  fi
  build_flags=(-P"$CHARRNN_BUILD")
fi

build_property() { # build_property KEY: a version of this build (spark.version, scala.binary, hadoop.version)
  local file="$build_dir/classes/io/charrnn/build.properties"
  if [ ! -f "$file" ] || [ "$root/pom.xml" -nt "$file" ]; then
    (cd "$root" && mvn -q -B "${build_flags[@]}" process-resources) >&2
  fi
  sed -n "s/^$1=//p" "$file"
}

versions_classpath() { # versions_classpath NAME: submit/NAME/pom.xml resolved at this build's versions, cached
  local file="$build_dir/$1-classpath.txt"
  if [ ! -f "$file" ] || [ "$root/submit/$1/pom.xml" -nt "$file" ] || [ "$root/pom.xml" -nt "$file" ]; then
    mkdir -p "$build_dir"
    mvn -q -B -f "$root/submit/$1/pom.xml" dependency:build-classpath -Dmdep.outputFile="$file" \
      -Dspark.version="$(build_property spark.version)" -Dscala.binary="$(build_property scala.binary)" \
      -Dhadoop.version="$(build_property hadoop.version)" >&2
  fi
  cat "$file"
}
