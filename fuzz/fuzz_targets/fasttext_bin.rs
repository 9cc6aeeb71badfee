//! `FastTextModel::from_bytes` on arbitrary bytes: never a panic, hang or huge allocation;
//! whatever loads writes back to the same bytes' model and re-reads equal.
#![no_main]

use libfuzzer_sys::fuzz_target;
use skipgram::io::fasttext::FastTextModel;

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = FastTextModel::from_bytes(data) {
        let bytes = m.to_bytes().expect("writing to memory");
        let again = FastTextModel::from_bytes(&bytes).expect("our own output re-reads");
        assert_eq!(again, m);
        let _ = m.word_vector("unseen");
    }
});
