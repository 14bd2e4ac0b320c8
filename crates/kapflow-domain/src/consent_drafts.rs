//! Starting drafts of the consent documents a KAP practice needs: informed consent to
//! ketamine-assisted psychotherapy, the release of information to the partner prescriber
//! organisation, and consent to supportive touch. Each opens with a note that it is a draft to
//! review with the practice's own lawyer; a version is not published while the note is there.
//! They follow the protocol facts kapflow models (sublingual dosing in the office with the
//! therapist present, the prescriber a separate organisation, discharge to a named adult).

use crate::consent::ConsentKind;

/// The first line of every draft. Publishing refuses a text that still carries it.
pub const DRAFT_NOTE: &str = "DRAFT — review this text with your own lawyer and adapt it to your practice and state, then delete this line before you publish it.";

/// A draft's title and text, with the partner organisation's name filled in.
pub fn draft(kind: ConsentKind, practice: &str, partner: &str) -> (String, String) {
    let partner = if partner.trim().is_empty() {
        "the partner prescriber organisation"
    } else {
        partner.trim()
    };
    let practice = if practice.trim().is_empty() {
        "the practice"
    } else {
        practice.trim()
    };
    let (title, body) = match kind {
        ConsentKind::Kap => (
            "Informed consent to ketamine-assisted psychotherapy".to_owned(),
            format!(
                "What this is\n\
                 Ketamine-assisted psychotherapy (KAP) at {practice} combines psychotherapy with \
                 sessions in which you take ketamine, a medicine prescribed separately by a \
                 medical provider of {partner}. Ketamine is approved as an anaesthetic; its use for \
                 depression, anxiety, PTSD and similar conditions is off-label. It does not work \
                 for everyone.\n\n\
                 The medical side\n\
                 {partner} evaluates whether ketamine is safe for you, decides the dose and \
                 prescribes it. {practice} does not prescribe or change doses. The medicine is \
                 sent to you; you bring it to each dosing session, and we record what you brought \
                 and what was taken.\n\n\
                 A dosing session\n\
                 You take the medicine in our office, by mouth (a lozenge or tablet held under the \
                 tongue), with your therapist present for the whole session. Effects usually \
                 begin within 10 to 30 minutes and fade over one to two hours. We check your blood \
                 pressure, pulse and oxygen before, during and after. You leave only when you \
                 are alert and steady, at least about two hours after dosing, with an adult you \
                 named beforehand who takes you home. Do not drive, operate machinery or make \
                 important decisions until the next day after sleep. Avoid alcohol and cannabis \
                 for 24 hours.\n\n\
                 Possible effects and risks\n\
                 Common: feeling detached from your body or surroundings (dissociation), changes \
                 in perception, dizziness, nausea or vomiting, blurred vision, drowsiness, a rise \
                 in blood pressure and heart rate. Less common: anxiety or distressing \
                 experiences during the session, confusion, headache. With frequent or \
                 unsupervised use ketamine can be misused and can harm the bladder. Tell us and \
                 the prescriber about every medicine and substance you take.\n\n\
                 Safety\n\
                 A session does not start if your blood pressure is too high, if a current \
                 safety concern is open, or if anything the prescriber requires is missing. We may \
                 end a session early for your safety. In an emergency we call 911.\n\n\
                 Your choices\n\
                 Taking part is voluntary. You may stop at any time, including during a course of \
                 sessions, without losing access to psychotherapy at {practice}.\n\n\
                 By signing, you confirm that you have read this, that your questions have been \
                 answered, and that you consent to ketamine-assisted psychotherapy as described."
            ),
        ),
        ConsentKind::ReleaseOfInformation => (
            format!("Release of information to {partner}"),
            format!(
                "I authorise {practice} and {partner} to exchange information about me for the \
                 purpose of my ketamine-assisted psychotherapy: my medical evaluation, \
                 prescriptions and their changes, and the safety of my dosing sessions.\n\n\
                 What may be shared: my intake and screening answers, questionnaire scores, \
                 consents, preparation notes, records of dosing sessions (vital signs, the \
                 medicine taken, how the session went and how it ended), and messages between \
                 my therapist and my prescriber about my care. Psychotherapy notes are not \
                 shared.\n\n\
                 This authorisation lasts until the end of my course of treatment or one year \
                 from signing, whichever is sooner. I may revoke it at any time in writing; \
                 revoking it does not undo what was shared before, and without it {partner} \
                 cannot evaluate or prescribe for me.\n\n\
                 I understand that information shared under this release may no longer be \
                 protected by the privacy rules that apply to {practice} once received, and that \
                 my treatment at {practice} does not depend on my signing it, although \
                 ketamine-assisted sessions do."
            ),
        ),
        ConsentKind::Touch => (
            "Consent to supportive touch".to_owned(),
            format!(
                "During dosing sessions at {practice} your therapist may offer supportive touch \
                 — for example holding your hand or a hand on your shoulder or arm — only in the \
                 ways you agree to before the session.\n\n\
                 Before each session we agree which touch, if any, you welcome, and a word or \
                 signal that means stop. Touch is never sexual. You may decline or withdraw \
                 consent at any time, before or during a session, by saying so or using the \
                 signal; your therapist stops at once, and declining changes nothing else about \
                 your care.\n\n\
                 By signing, you consent to supportive touch as described, within the limits we \
                 agree before each session."
            ),
        ),
    };
    (title, format!("{DRAFT_NOTE}\n\n{body}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_draft_is_marked_and_names_the_partner() {
        for kind in ConsentKind::ALL {
            let (title, body) = draft(kind, "Alvarado Therapy", "Skylight Psychedelics");
            assert!(!title.is_empty());
            assert!(body.starts_with(DRAFT_NOTE), "{kind:?}");
            assert!(body.contains("Alvarado Therapy"), "{kind:?}");
        }
        let (title, body) = draft(ConsentKind::ReleaseOfInformation, "", "  Skylight  ");
        assert_eq!(title, "Release of information to Skylight");
        assert!(body.contains("the practice and Skylight"));
    }
}
