# Source this to run on this CPU as if it had no AVX-512: TensorFlow's oneDNN kernels
# limited to AVX2, Numba compiling for Haswell's instruction set (a separate cache, so the
# usual one is kept), NumPy without its AVX-512 loops, OpenBLAS with Haswell's kernels.
# The cores, clock and memory stay this machine's: an approximation, not another CPU.
export ONEDNN_MAX_CPU_ISA=AVX2
export NUMBA_CPU_NAME=haswell
export NUMBA_CPU_FEATURES="+64bit,+aes,+avx,+avx2,+bmi,+bmi2,+cmov,+cx16,+f16c,+fma,+fsgsbase,+lzcnt,+mmx,+movbe,+pclmul,+popcnt,+rdrnd,+sse,+sse2,+sse3,+sse4.1,+sse4.2,+ssse3,+xsave,+xsaveopt"
export NUMBA_CACHE_DIR="${TMPDIR:-/tmp}/numba_no_avx512"
export NPY_DISABLE_CPU_FEATURES="X86_V4 AVX512_ICL AVX512_SPR"
export OPENBLAS_CORETYPE=Haswell
