//! The walkthrough of L. Lorenz, "Forward Propagation: Building a Skip-Gram Net From the
//! Ground Up" (District Data Labs): vocabulary, c = 2, n = 3, p and p' as printed there, and
//! a forward pass of "tape".

// The tutorial prints p and p' with 8 decimals, more than f32 holds; they are kept verbatim.
#![allow(clippy::excessive_precision)]

use approx::assert_abs_diff_eq;
use ndarray::{array, Array2};
use skipgram::{OneHot, SkipGramModel, Softmax, Vocabulary};

fn seed_model() -> SkipGramModel {
    let vocab =
        Vocabulary::from_words(["duct", "tape", "work", "anywher", "magic", "worship"]).unwrap();
    let p: Array2<f32> = array![
        [0.37454012, 0.95071431, 0.73199394],
        [0.59865848, 0.15601864, 0.15599452],
        [0.05808361, 0.86617615, 0.60111501],
        [0.70807258, 0.02058449, 0.96990985],
        [0.83244264, 0.21233911, 0.18182497],
        [0.18340451, 0.30424224, 0.52475643],
    ];
    let p_prime: Array2<f32> = array![
        [0.43194502, 0.29122914, 0.61185289, 0.13949386, 0.29214465, 0.36636184],
        [0.45606998, 0.78517596, 0.19967378, 0.51423444, 0.59241457, 0.04645041],
        [0.60754485, 0.17052412, 0.06505159, 0.94888554, 0.96563203, 0.80839735],
    ];
    SkipGramModel::from_weights(vocab, p, p_prime).unwrap()
}

#[test]
fn forward_tape_gives_the_seed_numbers() {
    let model = seed_model();
    let f = model.forward("tape").unwrap();
    assert_abs_diff_eq!(
        f.projection,
        array![0.59865848f32, 0.15601864, 0.15599452],
        epsilon = 1e-6
    );
    assert_abs_diff_eq!(
        f.scores,
        array![
            0.42451664f32,
            0.32344971,
            0.40759145,
            0.31176029,
            0.41795589,
            0.35267831
        ],
        epsilon = 1e-6
    );
}

#[test]
fn dense_one_hot_product_is_the_projection() {
    let model = seed_model();
    let tape = OneHot::new(1, 6).unwrap();
    assert_eq!(
        tape.to_dense().unwrap(),
        array![0.0f32, 1.0, 0.0, 0.0, 0.0, 0.0]
    );
    let dense = tape.to_dense().unwrap().dot(&model.input_weights());
    assert_eq!(dense, model.input_weights().row(1));
    assert_eq!(dense, model.forward("tape").unwrap().projection);
    // And the scores are that projection times p' (N×V).
    assert_abs_diff_eq!(
        dense.dot(&model.output_weights()),
        model.forward("tape").unwrap().scores,
        epsilon = 1e-6
    );
}

#[test]
fn softmax_of_the_four_context_positions() {
    let model = seed_model();
    let f = model.forward("tape").unwrap();
    let probs = f.probabilities().unwrap();
    // Independent computation in f64.
    let z: f64 = f.scores.iter().map(|&s| (s as f64).exp()).sum();
    for (p, s) in probs.iter().zip(&f.scores) {
        assert_abs_diff_eq!(*p as f64, (*s as f64).exp() / z, epsilon = 1e-7);
    }
    // c = 2: four output vectors w(t−2) … w(t+2), identical because they share p'.
    let per = f.scores_per_position(2).unwrap();
    assert_eq!(per.dim(), (4, 6));
    for row in per.rows() {
        assert_eq!(Softmax::probabilities(row).unwrap(), probs);
    }
}

#[test]
fn embedding_is_the_row_of_p() {
    let model = seed_model();
    assert_eq!(
        model.embedding("worship").unwrap(),
        model.input_weights().row(5)
    );
    assert!(model.embedding("tapes").is_err());
}
