//! kapflow stores no card data: a payment's free text (reference, note) is refused when it
//! holds what looks like a card number — 13 to 19 digits, as typed (spaces or dashes between
//! groups allowed), that pass the Luhn check card numbers carry.

/// Whether `text` holds a card number.
pub fn holds_card_number(text: &str) -> bool {
    digit_runs(text)
        .iter()
        .any(|run| (13..=19).contains(&run.len()) && luhn(run))
}

/// The runs of digits in `text`, a single space or dash between two digits joining them.
fn digit_runs(text: &str) -> Vec<Vec<u8>> {
    let bytes = text.as_bytes();
    let mut runs = Vec::new();
    let mut run: Vec<u8> = Vec::new();
    for (i, &b) in bytes.iter().enumerate() {
        if b.is_ascii_digit() {
            run.push(b - b'0');
            continue;
        }
        let joins = matches!(b, b' ' | b'-')
            && !run.is_empty()
            && bytes.get(i + 1).is_some_and(u8::is_ascii_digit);
        if !joins && !run.is_empty() {
            runs.push(std::mem::take(&mut run));
        }
    }
    if !run.is_empty() {
        runs.push(run);
    }
    runs
}

/// The Luhn (mod 10) check.
fn luhn(digits: &[u8]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let d = u32::from(d);
            if i % 2 == 1 {
                let twice = d * 2;
                if twice > 9 { twice - 9 } else { twice }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn card_numbers_are_found_however_they_are_typed() {
        for typed in [
            "4111111111111111",
            "paid with 4111 1111 1111 1111 today",
            "card 4111-1111-1111-1111",
            "amex 378282246310005",
            "5555555555554444.",
        ] {
            assert!(holds_card_number(typed), "{typed}");
        }
    }

    #[test]
    fn other_numbers_are_not_card_numbers() {
        for typed in [
            "cheque 1042",
            "4111111111111112",
            "tracking 1Z999AA10123456784",
            "invoice 2026-12-04",
            "411111111111",
            "41111111111111111111",
            "phone 503 555 0142",
        ] {
            assert!(!holds_card_number(typed), "{typed}");
        }
    }
}
