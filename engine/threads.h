// OpenMP threads on a shared machine.
//
// Between two parallel regions an idle OpenMP thread of GCC's runtime spins for a while before it
// sleeps (GOMP_SPINCOUNT, 300,000 checks by default). On a machine whose cores are busy with other
// work, a thread that spins keeps a core from the thread it waits for, which is descheduled: an
// FT-Transformer epoch on Adult took 128 s with 2 threads beside two busy processes on 2 cores,
// against 8 s on 1 thread. Passive waiting (OMP_WAIT_POLICY=passive: sleep at once) took 5.6 s
// there and cost nothing measurable on a quiet machine (bench/shared_machine.sh).
//
// The runtime reads these variables once, when it loads, before main runs; so a program that
// wants passive waiting by default sets it and starts itself again. candor's own programs (the
// candor command, the benchmarks) do, unless the user has chosen a policy already.
#pragma once

namespace candor {

// When neither OMP_WAIT_POLICY nor GOMP_SPINCOUNT is set: sets OMP_WAIT_POLICY=passive and
// re-executes the running program (/proc/self/exe) with the same arguments; returns only when
// the policy was already chosen (or the re-execution failed, leaving the runtime's default).
// Call it first thing in main.
void passive_threads_by_default(char** argv);

}  // namespace candor
