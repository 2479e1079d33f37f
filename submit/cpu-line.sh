# Sourced by the benchmark scripts: the CPU a figure was measured on, as BENCHMARKS.md records it.
cpu_field() { # cpu_field NAME: the first value of NAME in /proc/cpuinfo
  grep -m1 "^$1[[:space:]]*:" /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'
}
cpu_line() { # the CPU's model name, family and model, and its vector flags (avx*, fma, amx*)
  echo "$(cpu_field 'model name'), family $(cpu_field 'cpu family') model $(cpu_field model); flags:" \
    "$(cpu_field flags | tr ' ' '\n' | grep -E '^(avx|fma|amx)' | sort | tr '\n' ' ')"
}
cpu_has_bf16() { # whether the CPU has bf16 products (AVX512-BF16 or AMX)
  [[ " $(cpu_field flags) " =~ \ (avx512_bf16|amx_bf16)\  ]]
}
