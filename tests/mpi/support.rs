//! A tiny harness for the MPI tests, which run without libtest (`harness = false`): MPI can
//! be initialised once per process, and every rank must run every test in the same order.
//! Run them under `mpirun -np 2` (see .ci/run).

use skipgram::Cluster;

/// One test: it runs on every rank and returns what went wrong on this one.
pub type Test = fn(&Cluster) -> Result<(), String>;

/// Runs the named tests in order on every rank, prints one line per test and a closing
/// `N passed, 0 failed` line from rank 0, and exits non-zero on every rank if any test failed
/// on any rank.
pub fn run(tests: &[(&str, Test)]) {
    let cluster = Cluster::init().expect("MPI initialises");
    if cluster.size() < 2 && cluster.is_root() {
        eprintln!("warning: one process; run under `mpirun -np 2` to test the distribution");
    }
    let (mut passed, mut failed) = (0, 0);
    for (name, test) in tests {
        let result = test(&cluster);
        if let Err(e) = &result {
            eprintln!("rank {}: test {name} FAILED: {e}", cluster.rank());
        }
        // Every rank's verdict counts.
        match cluster.agree(result.is_ok()) {
            Ok(()) => {
                passed += 1;
                if cluster.is_root() {
                    println!("test {name} ... ok");
                }
            }
            Err(_) => {
                failed += 1;
                if cluster.is_root() {
                    println!("test {name} ... FAILED");
                }
            }
        }
    }
    if cluster.is_root() {
        println!(
            "{passed} passed, {failed} failed ({} processes)",
            cluster.size()
        );
    }
    drop(cluster);
    if failed > 0 {
        std::process::exit(1);
    }
}

/// `Err(message)` unless `cond`.
pub fn ensure(cond: bool, message: impl FnOnce() -> String) -> Result<(), String> {
    if cond {
        Ok(())
    } else {
        Err(message())
    }
}
