//! Distributed training and vocabulary building (feature `mpi`), in one binary without
//! libtest (`harness = false`): MPI is initialised once per process, and every rank runs
//! every test in the same order. Run under `mpirun -np 2` (see .ci/run).

mod support;
mod train;
mod vocab;

fn main() {
    let tests: Vec<_> = vocab::TESTS.iter().chain(train::TESTS).copied().collect();
    support::run(&tests);
}
