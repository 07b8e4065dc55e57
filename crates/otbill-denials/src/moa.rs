//! Claim-level remark codes (MOA/MIA) of an 835, which `otbill-era` does not model yet.
//!
//! Medicare puts claim-level remarks such as MA130 ("unprocessable, no appeal rights") in
//! MOA03-MOA07 (MIA05 and MIA20-MIA23 for institutional claims). This reads them in CLP
//! order, so they line up with the claims of `otbill_era::parse_835` flattened over its
//! remittances. Drop this once the era model carries claim remarks.

use otbill_x12::{decode, Reader};

/// Remark codes per claim, in CLP order over the whole input.
pub fn claim_remarks(input: &[u8]) -> Vec<Vec<String>> {
    let input = decode(input);
    let mut out: Vec<Vec<String>> = Vec::new();
    for seg in Reader::new(&input) {
        let elements: &[usize] = match seg.id() {
            "CLP" => {
                out.push(Vec::new());
                continue;
            }
            "MOA" => &[3, 4, 5, 6, 7],
            "MIA" => &[5, 20, 21, 22, 23],
            _ => continue,
        };
        let Some(claim) = out.last_mut() else {
            continue;
        };
        for n in elements {
            let code = seg.str(*n).trim();
            if !code.is_empty() && code.len() <= 8 {
                claim.push(code.to_owned());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moa_remarks_attach_to_their_claim() {
        let input = b"ST*835*1~CLP*A*4*10*0~MOA***MA130*N211~CLP*B*1*10*10~CLP*C*4*5*0~MIA*0***0*M1~SE*6*1~";
        assert_eq!(
            claim_remarks(input),
            vec![
                vec!["MA130".to_owned(), "N211".to_owned()],
                vec![],
                vec!["M1".to_owned()]
            ]
        );
    }
}
