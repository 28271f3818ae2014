//! The Merkle root of a result set's response rows, computed as rows stream past in constant
//! memory. The tree is RFC 6962's (Certificate Transparency): leaf = SHA-256(0x00 ‖ row),
//! node = SHA-256(0x01 ‖ left ‖ right), the left subtree holding the largest power of two
//! below the count; the empty tree's root is SHA-256 of nothing. Any tool implementing RFC 6962
//! reproduces the root from `responses.csv`; one changed, removed or added row changes it.

use sha2::{Digest, Sha256};

type Hash = [u8; 32];

/// Roots of complete subtrees, largest first, as rows are added.
#[derive(Default)]
pub struct MerkleRoot {
    stack: Vec<(u32, Hash)>,
    leaves: u64,
}

fn leaf(row: &[u8]) -> Hash {
    Sha256::new()
        .chain_update([0u8])
        .chain_update(row)
        .finalize()
        .into()
}

fn node(left: &Hash, right: &Hash) -> Hash {
    Sha256::new()
        .chain_update([1u8])
        .chain_update(left)
        .chain_update(right)
        .finalize()
        .into()
}

impl MerkleRoot {
    pub fn new() -> MerkleRoot {
        MerkleRoot::default()
    }

    pub fn add(&mut self, row: &[u8]) {
        let mut current = (0u32, leaf(row));
        while let Some((height, top)) = self.stack.last() {
            if *height != current.0 {
                break;
            }
            current = (height + 1, node(top, &current.1));
            self.stack.pop();
        }
        self.stack.push(current);
        self.leaves += 1;
    }

    pub fn leaves(&self) -> u64 {
        self.leaves
    }

    /// The root, in lowercase hex.
    pub fn finish(&self) -> String {
        let root = match self.stack.split_last() {
            None => Sha256::digest([]).into(),
            Some((last, rest)) => rest
                .iter()
                .rev()
                .fold(last.1, |right, (_, left)| node(left, &right)),
        };
        hex::encode(root)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6962 §2.1, written recursively as the RFC states it.
    fn reference(rows: &[&[u8]]) -> Hash {
        match rows.len() {
            0 => Sha256::digest([]).into(),
            1 => leaf(rows[0]),
            n => {
                // The largest power of two strictly below n.
                let mut k = 1;
                while k * 2 < n {
                    k *= 2;
                }
                node(&reference(&rows[..k]), &reference(&rows[k..]))
            }
        }
    }

    #[test]
    fn the_streamed_root_is_rfc_6962s_for_every_count() {
        let rows: Vec<Vec<u8>> = (0..40)
            .map(|i| format!("{i},nanhu,5").into_bytes())
            .collect();
        for n in 0..rows.len() {
            let slice: Vec<&[u8]> = rows[..n].iter().map(Vec::as_slice).collect();
            let mut streamed = MerkleRoot::new();
            for row in &slice {
                streamed.add(row);
            }
            assert_eq!(
                streamed.finish(),
                hex::encode(reference(&slice)),
                "{n} rows"
            );
        }
    }

    #[test]
    fn the_empty_tree_and_one_leaf_match_rfc_6962() {
        assert_eq!(
            MerkleRoot::new().finish(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        let mut one = MerkleRoot::new();
        one.add(b"");
        // SHA-256 of the single byte 0x00: RFC 6962's hash of an empty leaf.
        assert_eq!(
            one.finish(),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
        );
    }

    #[test]
    fn changing_removing_or_adding_a_row_changes_the_root() {
        let root = |rows: &[&str]| {
            let mut m = MerkleRoot::new();
            rows.iter().for_each(|r| m.add(r.as_bytes()));
            m.finish()
        };
        let original = root(&["1,a", "2,b", "3,c"]);
        assert_ne!(original, root(&["1,a", "2,x", "3,c"]));
        assert_ne!(original, root(&["1,a", "3,c"]));
        assert_ne!(original, root(&["1,a", "2,b", "3,c", "4,d"]));
        assert_ne!(original, root(&["2,b", "1,a", "3,c"]), "order matters");
    }
}
