//! Criterion-free benchmarks of the matmul core, timed with `std::time::Instant`.
//!
//! `cargo bench --bench matmul` prints one plain table:
//! * the machine's own limits, measured in the same run: single-core f32 FMA peak (GFLOP/s)
//!   and single-core read bandwidth (GB/s) over a buffer far larger than the caches;
//! * one-hot·p as a dense product vs. the row lookup it reduces to;
//! * h·p' (all V scores) at V = 100,000 and N = 100 and 300: ns per call, GFLOP/s, GB/s;
//! * forward (`SkipGramModel::forward`) and forward + softmax per call;
//! * the training kernels: one per-pair update (1 input row × 6 output rows) and one batched
//!   update (10 context rows × 6 output rows, pWord2Vec), each as a fraction of the peak.
//!
//! Set `SKIPGRAM_BENCH_QUICK=1` for a shorter run.
//!
//! The training kernels are crate-private: this benchmark includes their source file
//! (`src/train/kernels/`) as a module of its own.

use std::hint::black_box;
use std::time::{Duration, Instant};

use ndarray::{Array1, Array2};
use rand::{rngs::SmallRng, Rng, SeedableRng};
use skipgram::{OneHot, SkipGramModel, Softmax, Vocabulary};

// The training kernels are private to the crate; the benchmark compiles the very same
// source file as its own module, so it measures exactly what the trainer runs.
#[allow(dead_code, unused_imports)]
#[path = "../src/train/kernels/mod.rs"]
mod kernels;
use kernels::Isa;

/// Runs `f` repeatedly for about `budget`, returns the best time per call over 5 rounds.
fn time_per_call(budget: Duration, mut f: impl FnMut()) -> Duration {
    f(); // warm-up
    let t0 = Instant::now();
    f();
    let one = t0.elapsed().max(Duration::from_nanos(20));
    let reps = ((budget.as_secs_f64() / 5.0) / one.as_secs_f64()).clamp(1.0, 1e8) as u32;
    let mut best = Duration::MAX;
    for _ in 0..5 {
        let t = Instant::now();
        for _ in 0..reps {
            f();
        }
        best = best.min(t.elapsed() / reps);
    }
    best
}

struct Row {
    name: String,
    per_call: Duration,
    flops: f64,
    bytes: f64,
}

fn print_table(rows: &[Row], peak_gflops: f64, bw_gbs: f64) {
    println!(
        "{:<46} {:>12} {:>9} {:>8} {:>8} {:>8}",
        "benchmark", "ns/call", "GFLOP/s", "%peak", "GB/s", "%bw"
    );
    for r in rows {
        let secs = r.per_call.as_secs_f64();
        let gflops = r.flops / secs / 1e9;
        let gbs = r.bytes / secs / 1e9;
        let pct = |x: f64, lim: f64| {
            if x > 0.0 {
                format!("{:.1}", 100.0 * x / lim)
            } else {
                "-".into()
            }
        };
        let num = |x: f64| {
            if x > 0.0 {
                format!("{x:.2}")
            } else {
                "-".into()
            }
        };
        println!(
            "{:<46} {:>12.1} {:>9} {:>8} {:>8} {:>8}",
            r.name,
            secs * 1e9,
            num(gflops),
            pct(gflops, peak_gflops),
            num(gbs),
            pct(gbs, bw_gbs)
        );
    }
}

/// Single-core FMA throughput with enough independent accumulators to hide latency.
fn peak_gflops(budget: Duration) -> f64 {
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
        const ITERS: usize = 1 << 20;
        let t = time_per_call(budget, || {
            // SAFETY: the CPU supports AVX2 and FMA (checked above).
            black_box(unsafe { fma_loop(ITERS, black_box(1.0000001)) });
        });
        // 12 accumulators × 8 lanes × 2 flops per iteration.
        return (ITERS * 12 * 8 * 2) as f64 / t.as_secs_f64() / 1e9;
    }
    // Portable: scalar multiply-adds in independent chains.
    const ITERS: usize = 1 << 20;
    let t = time_per_call(budget, || {
        let mut acc = [1.0f32; 8];
        let x = black_box(1.0000001f32);
        for _ in 0..ITERS {
            for a in acc.iter_mut() {
                *a = *a * x + 1e-9;
            }
        }
        black_box(acc);
    });
    (ITERS * 8 * 2) as f64 / t.as_secs_f64() / 1e9
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn fma_loop(iters: usize, x: f32) -> f32 {
    use std::arch::x86_64::*;
    let xv = _mm256_set1_ps(x);
    let mut acc = [_mm256_set1_ps(1.0); 12];
    for _ in 0..iters {
        for a in acc.iter_mut() {
            *a = _mm256_fmadd_ps(*a, xv, xv);
        }
    }
    let mut s = _mm256_setzero_ps();
    for a in acc {
        s = _mm256_add_ps(s, a);
    }
    let mut out = [0.0f32; 8];
    // SAFETY: `out` holds 8 f32, exactly one 256-bit store.
    unsafe { _mm256_storeu_ps(out.as_mut_ptr(), s) };
    out.iter().sum()
}

/// Single-core read bandwidth: summing a buffer of `bytes` bytes.
fn read_bandwidth(bytes: usize, budget: Duration) -> f64 {
    let buf = vec![1.0f32; bytes / 4];
    let t = time_per_call(budget, || {
        let mut acc = [0.0f32; 16];
        for chunk in buf.chunks_exact(16) {
            for k in 0..16 {
                acc[k] += chunk[k];
            }
        }
        black_box(acc);
    });
    bytes as f64 / t.as_secs_f64() / 1e9
}

fn random_matrix(rows: usize, cols: usize, rng: &mut SmallRng) -> Array2<f32> {
    Array2::from_shape_fn((rows, cols), |_| rng.random_range(-0.5f32..0.5))
}

fn main() {
    let quick = std::env::var_os("SKIPGRAM_BENCH_QUICK").is_some();
    let budget = Duration::from_millis(if quick { 150 } else { 1000 });
    let mut rng = SmallRng::seed_from_u64(42);
    let isa = Isa::detect();
    println!("skipgram matmul benchmarks (kernels: {isa:?})\n");

    let peak = peak_gflops(budget);
    let bw = read_bandwidth(512 << 20, budget * 2);
    println!("machine: single-core f32 FMA peak {peak:.1} GFLOP/s, read bandwidth {bw:.1} GB/s\n");
    let mut rows = Vec::new();

    // one-hot · p: dense product vs. row lookup.
    let (v, n) = (100_000usize, 100usize);
    let p = random_matrix(v, n, &mut rng);
    let one_hot = OneHot::new(12_345, v).unwrap();
    let dense = one_hot.to_dense().unwrap();
    let t = time_per_call(budget, || {
        black_box(black_box(&dense).dot(black_box(&p)));
    });
    rows.push(Row {
        name: format!("one-hot·p dense product V={v} N={n}"),
        per_call: t,
        flops: (2 * v * n) as f64,
        bytes: (v * n * 4 + v * 4) as f64,
    });
    let t = time_per_call(budget, || {
        black_box(one_hot.project(black_box(&p).view()).unwrap().to_owned());
    });
    rows.push(Row {
        name: format!("one-hot·p as row lookup V={v} N={n}"),
        per_call: t,
        flops: 0.0,
        bytes: (n * 4) as f64,
    });

    // h · p' over all V words, and the full forward pass, for N = 100 and 300.
    for n in [100usize, 300] {
        let vocab = Vocabulary::from_words((0..v).map(|i| format!("w{i}"))).unwrap();
        let p = random_matrix(v, n, &mut rng);
        let p_prime = random_matrix(n, v, &mut rng);
        let model = SkipGramModel::from_weights(vocab, p, p_prime).unwrap();
        let h: Array1<f32> = model.input_weights().row(7).to_owned();
        let out = model.output_weights_transposed();
        let t = time_per_call(budget, || {
            black_box(black_box(&out).dot(black_box(&h)));
        });
        rows.push(Row {
            name: format!("h·p' (ndarray dot) V={v} N={n}"),
            per_call: t,
            flops: (2 * v * n) as f64,
            bytes: (v * n * 4) as f64,
        });
        let t = time_per_call(budget, || {
            black_box(model.forward_index(black_box(7)).unwrap());
        });
        rows.push(Row {
            name: format!("forward(word) V={v} N={n}"),
            per_call: t,
            flops: (2 * v * n) as f64,
            bytes: (v * n * 4) as f64,
        });
        let t = time_per_call(budget, || {
            let f = model.forward_index(black_box(7)).unwrap();
            black_box(Softmax::probabilities(f.scores.view()).unwrap());
        });
        rows.push(Row {
            name: format!("forward + softmax V={v} N={n}"),
            per_call: t,
            flops: (2 * v * n) as f64,
            bytes: (v * n * 4) as f64,
        });
    }

    // Training kernels (data in L1, as in training after the rows are fetched), on rows of
    // N = 100 padded to the trainer's stride of 104 (whole 8-float registers); the GFLOP/s
    // count only the useful N = 100 columns.
    let n = 104;
    let useful_n = 100;
    for (name, m, o) in [
        ("per-pair update (1×6, N=100)", 1usize, 6usize),
        ("batched update (10×6, N=100)", 10, 6),
        ("hierarchical softmax batch (10×17, N=100)", 10, 17),
    ] {
        let a0: Vec<f32> = (0..m * n).map(|_| rng.random_range(-0.5..0.5)).collect();
        let b0: Vec<f32> = (0..o * n).map(|_| rng.random_range(-0.5..0.5)).collect();
        let c: Vec<f32> = (0..m * o).map(|_| rng.random_range(-1e-3..1e-3)).collect();
        let (mut a, mut b) = (a0.clone(), b0.clone());
        let (mut g, mut db) = (vec![0.0; m * o], vec![0.0; o * n]);
        let t = time_per_call(budget, || {
            isa.scores(black_box(&a), black_box(&b), &mut g, m, o, n);
            isa.update(black_box(&c), &mut a, &mut b, &mut db, m, o, n);
        });
        rows.push(Row {
            name: name.into(),
            per_call: t,
            // scores, A += C·B and B += Cᵀ·A: three m×o×n multiply-add blocks.
            flops: (3 * 2 * m * o * useful_n) as f64,
            bytes: 0.0,
        });
    }
    print_table(&rows, peak, bw);
}
