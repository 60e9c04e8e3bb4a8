# Shared by scripts/bench-aggregation.sh and scripts/bench-aggregation-instructions.sh (source it
# from the repository root, with WORK set): the generated Aura_Audit file and the driver.

# Generates (once) WORK/audit-RECORDS.deflate.avro and its truth file; prints the file's path.
aggregation_audit_file() {
    local records="$1" file="$WORK/audit-$1.deflate.avro"
    if [ ! -f "$file.truth.json" ]; then
        echo "== generating $file" >&2
        python3 scripts/datagen/aura_datagen.py audit --records "$records" --month 2026-10 \
            --schema-dir scripts/datagen/schemas --codec deflate --out "$file" >&2
    fi
    echo "$file"
}

# Builds Benchmarks/AggregationBench (release); prints the binary's path.
aggregation_bench_binary() {
    echo "== building Benchmarks/AggregationBench (release)" >&2
    swift build -c release --package-path Benchmarks --product AggregationBench 2>&1 \
        | grep -v -E "found [0-9]+ file\(s\) which are unhandled|CMakeLists.txt$" >&2
    echo "$(swift build -c release --package-path Benchmarks --show-bin-path)/AggregationBench"
}
