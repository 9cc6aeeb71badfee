//! The walkthrough of L. Lorenz, "Forward Propagation: Building a Skip-Gram Net From the
//! Ground Up" (District Data Labs): a skip-gram net over `duct tape work anywher magic worship`,
//! context c = 2, projection size n = 3, with p and p' set to the matrices printed in the
//! walkthrough, fed forward with "tape".
//!
//! Run: `cargo run --example forward`

// The tutorial prints p and p' with 8 decimals, more than f32 holds; they are kept verbatim.
#![allow(clippy::excessive_precision)]

use ndarray::array;
use skipgram::{OneHot, SkipGramModel, Vocabulary};

fn main() -> std::process::ExitCode {
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), skipgram::Error> {
    let v = Vocabulary::from_words(["duct", "tape", "work", "anywher", "magic", "worship"])?;
    let c = 2;
    println!("vocabulary (V = {}): {:?}", v.len(), v.words());
    println!("context c = {c}, projection size n = 3\n");

    // p: the input weight matrix, V×N (np.random.seed(42); np.random.random_sample((6, 3))).
    let p = array![
        [0.37454012, 0.95071431, 0.73199394],
        [0.59865848, 0.15601864, 0.15599452],
        [0.05808361, 0.86617615, 0.60111501],
        [0.70807258, 0.02058449, 0.96990985],
        [0.83244264, 0.21233911, 0.18182497],
        [0.18340451, 0.30424224, 0.52475643f32],
    ];
    // p': the output weight matrix, N×V (the next draw, random_sample((3, 6))).
    let p_prime = array![
        [0.43194502, 0.29122914, 0.61185289, 0.13949386, 0.29214465, 0.36636184],
        [0.45606998, 0.78517596, 0.19967378, 0.51423444, 0.59241457, 0.04645041],
        [
            0.60754485,
            0.17052412,
            0.06505159,
            0.94888554,
            0.96563203,
            0.80839735f32
        ],
    ];
    let model = SkipGramModel::from_weights(v, p, p_prime)?;

    let tape = OneHot::new(model.vocab().try_index("tape")?, model.vocab_size())?;
    println!("one-hot \"tape\": {}", tape.to_dense()?);
    let f = model.forward("tape")?;
    println!("projection (one-hot · p = row 1 of p): {:.8}", f.projection);
    println!(
        "scores (projection · p'), the same at each of the 2c = {} positions:",
        2 * c
    );
    for (i, row) in f.scores_per_position(c)?.rows().into_iter().enumerate() {
        let pos = if i < c {
            i as i64 - c as i64
        } else {
            i as i64 - c as i64 + 1
        };
        println!("  w(t{pos:+}): {row:.8}");
    }
    println!("\nsoftmax probabilities for each context position:");
    for (word, prob) in model.vocab().words().iter().zip(f.probabilities()?) {
        println!("  {word:<8} {prob:.8}");
    }
    Ok(())
}
