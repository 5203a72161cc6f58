// Subnormal floats flushed to zero, for the calling thread and every thread it starts
// afterwards (a new thread inherits its creator's floating-point environment).
//
// Why: as SASRec trains, some gradients, Adam moments and attention weights become
// subnormal (below 1.2e-38), and x86 handles subnormal operands in microcode, tens of
// times slower than normal ones. On ML-1M the epoch time jumped from 1.65 s to 2.7 s
// after epoch 8 and stayed there (docs/benchmarks.md). Flush-to-zero and
// denormals-are-zero make those values 0, which changes no result that matters: they
// are 2^-126 and below. PyTorch offers the same switch (torch.set_flush_denormal).
//
// Call it first thing in main(), before OpenMP, OpenBLAS or any other thread starts.
// No-op on CPUs without SSE control registers.
#pragma once

namespace anirec {

void flush_denormals_to_zero();

}  // namespace anirec
