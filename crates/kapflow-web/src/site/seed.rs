//! The content the public site starts with on first run, taken from the practice's own page
//! (`seed/kap-practice-page.txt`, with the research worded accurately: three studies with their
//! design, results and limits, and DOI links). The practice edits all of it afterwards.

use super::pages::Page;

/// One section of content as first published.
#[derive(Clone, Copy, Debug)]
pub struct SeedSection {
    pub key: &'static str,
    pub page: Page,
    pub position: i32,
    /// What the section is, for the editor's list.
    pub label: &'static str,
    pub title: &'static str,
    /// Markdown without raw HTML.
    pub body: &'static str,
}

/// The sections as the store seeds them (the page by its stored name).
pub fn sections() -> Vec<kapflow_store::site::SeedSection> {
    SEED.iter()
        .map(|s| kapflow_store::site::SeedSection {
            key: s.key,
            page: s.page.slug(),
            position: s.position,
            label: s.label,
            title: s.title,
            body: s.body,
        })
        .collect()
}

pub const SEED: &[SeedSection] = &[
    SeedSection {
        key: "home.intro",
        page: Page::Home,
        position: 1,
        label: "Home: what KAP is",
        title: "Ketamine-Assisted Psychotherapy (KAP)",
        body: "## What is Ketamine-Assisted Psychotherapy (KAP)?\n\nKetamine-Assisted Psychotherapy (KAP) is a therapeutic approach that combines ketamine administration with psychotherapy sessions to enhance the treatment process. This method involves several stages: preparatory sessions to set goals and build rapport, controlled administration of ketamine, therapeutic sessions guided by a therapist during the ketamine experience, and follow-up integration sessions to incorporate the insights gained into daily life. By leveraging the psychological and neurochemical effects of ketamine, KAP facilitates deep emotional processing and psychological exploration.",
    },
    SeedSection {
        key: "home.who",
        page: Page::Home,
        position: 2,
        label: "Home: who it is for",
        title: "Who KAP may help",
        body: "KAP is offered to adults living with [treatment-resistant depression, PTSD and trauma, anxiety, or chronic pain](/benefits), as part of a course of psychotherapy. It is not right for everyone: before any dosing session, the physicians of our partner organisation, {partner}, evaluate whether it is safe and suitable for you.\n\nKetamine is given here in the office, in sublingual form, and [I stay with you for the whole session](/how-kap-works).",
    },
    SeedSection {
        key: "home.connect",
        page: Page::Home,
        position: 3,
        label: "Home: call to connect",
        title: "Is KAP right for you?",
        body: "If you feel this approach could benefit you, connect with me so we can discuss further and determine next steps.",
    },
    SeedSection {
        key: "ketamine.body",
        page: Page::Ketamine,
        position: 1,
        label: "Ketamine: what it is",
        title: "What is Ketamine?",
        body: "Ketamine is a versatile medication known for its use as a dissociative anesthetic, meaning it induces a trance-like state to help treat trauma and injury. Recently, lower dose (sub-anesthetic) ketamine has shown great promise in the treatment of mental health conditions. Its mechanism of action involves blocking NMDA receptors in the brain, which play a critical role in pain perception, mood regulation, and neuroplasticity.",
    },
    SeedSection {
        key: "benefits.list",
        page: Page::Benefits,
        position: 1,
        label: "Benefits: conditions",
        title: "Benefits & Applications of KAP",
        body: "### Treatment-Resistant Depression\n\nKAP has shown significant promise in treating patients who do not respond to traditional antidepressants.\n\n### PTSD & Trauma Recovery\n\nKAP can help patients process traumatic memories and reduce PTSD symptoms.\n\n### Anxiety Disorders\n\nIt may also be effective in reducing symptoms of various anxiety disorders.\n\n### Chronic Pain\n\nKAP can help manage chronic pain conditions by altering pain perception and addressing the psychological components of pain.\n\nResults differ from person to person. The [research](/research) so far is promising but still limited.",
    },
    SeedSection {
        key: "how.aspects",
        page: Page::HowItWorks,
        position: 1,
        label: "How it works: key aspects",
        title: "Key Aspects of KAP",
        body: "- **Preparation:** Before ketamine is administered, individuals typically undergo preparatory sessions to establish goals, set expectations, and build rapport.\n- **Administration:** Ketamine is administered in the office in sublingual form. Effects of the medication typically appear within 10-30 minutes with peak effects lasting up approximately 25-60 minutes.\n- **Therapeutic Session:** During the ketamine experience, I will be present and you will never be left alone.\n- **Integration:** After the ketamine session, individuals engage in follow-up therapy sessions to integrate the insights and experiences from the ketamine session into their daily lives. This step is crucial for the long-term effectiveness of the treatment.",
    },
    SeedSection {
        key: "how.day",
        page: Page::HowItWorks,
        position: 2,
        label: "How it works: on the day",
        title: "On a dosing day",
        body: "A dosing session usually takes two to three hours. Please arrange for someone to take you home afterwards: do not drive, or make important decisions, until the next day after a night's sleep.",
    },
    SeedSection {
        key: "medication.body",
        page: Page::Medication,
        position: 1,
        label: "Medication management",
        title: "Medication Management",
        body: "{partner} is a physician owned and operated organization that prescribes ketamine to patients with various mental health conditions who meet criteria for treatment. Individuals are evaluated by {partner} physicians. If eligible, your medicine will ship directly to you to be brought to the office for administration on the day of our KAP.",
    },
    SeedSection {
        key: "research.studies",
        page: Page::Research,
        position: 1,
        label: "Research: the studies",
        title: "Research on KAP",
        body: "- **A 2019 study of three large practices** explored patient demographics, clinical data and outcomes of ketamine administered with psychotherapy. It was retrospective, with 235 patients and no control group: depression scores (BDI) fell by 11.24 points and anxiety scores (HAM-A) by 5.5 on average, with the largest benefit in older patients and those with severe symptoms. Findings suggest that KAP is an effective method for decreasing depression and anxiety, though without a comparison group they cannot show how much was due to ketamine itself.  \n  Dore J, Turnipseed B, Dwyer S, et al. Ketamine Assisted Psychotherapy (KAP): Patient Demographics, Clinical Data and Outcomes in Three Large Practices Administering Ketamine with Psychotherapy. *Journal of Psychoactive Drugs*. 2019. [doi:10.1080/02791072.2019.1587556](https://doi.org/10.1080/02791072.2019.1587556)\n- **Another 2019 study** tested repeated oral ketamine for out-patient treatment of resistant depression in a randomised, double-blind, placebo-controlled, proof-of-concept trial: 41 patients took 1 mg/kg by mouth three times a week for 21 days, added to their usual treatment. Depression scores (MADRS) fell by 12.75 points with ketamine against 2.49 with placebo, and 27.3% against 0% reached remission. The results suggest that add-on oral ketamine may hold significant promise in the care of patients suffering from treatment-resistant depression in the community.  \n  Domany Y, Bleich-Cohen M, Tarrasch R, et al. Repeated oral ketamine for out-patient treatment of resistant depression: randomised, double-blind, placebo-controlled, proof-of-concept study. *British Journal of Psychiatry*. 2019;214(1):20–26. [doi:10.1192/bjp.2018.196](https://doi.org/10.1192/bjp.2018.196)\n- **A 2021 randomized controlled trial** of repeated ketamine administration for chronic PTSD gave 30 patients six intravenous infusions over two weeks, compared with midazolam. PTSD symptoms (CAPS-5) were 11.88 points lower with ketamine, and 67% responded against 20%. Note that this trial used intravenous ketamine, not the sublingual form used here, and a larger trial in veterans found no effect on PTSD.  \n  Feder A, Costi S, Rutter SB, et al. A Randomized Controlled Trial of Repeated Ketamine Administration for Chronic Posttraumatic Stress Disorder. *American Journal of Psychiatry*. 2021;178(2):193–202. [doi:10.1176/appi.ajp.2020.20050596](https://doi.org/10.1176/appi.ajp.2020.20050596)",
    },
    SeedSection {
        key: "faq.heading",
        page: Page::Faq,
        position: 0,
        label: "FAQ: heading",
        title: "Frequently Asked Questions",
        body: "Answers to questions people often ask about ketamine-assisted psychotherapy. If yours is not here, [ask me](/connect).",
    },
    SeedSection {
        key: "faq.1",
        page: Page::Faq,
        position: 1,
        label: "FAQ 1",
        title: "What is ketamine-assisted psychotherapy (KAP)?",
        body: "Ketamine-assisted psychotherapy is a therapeutic approach that combines the use of ketamine, a dissociative anesthetic, with psychotherapy. It involves administering ketamine in a controlled environment under the guidance of a trained therapist to facilitate emotional exploration and psychological healing.",
    },
    SeedSection {
        key: "faq.2",
        page: Page::Faq,
        position: 2,
        label: "FAQ 2",
        title: "What conditions can ketamine-assisted psychotherapy treat?",
        body: "Ketamine-assisted psychotherapy has shown promising results in treating various mental health conditions, including depression, anxiety, PTSD (post-traumatic stress disorder), and treatment-resistant mood disorders. It can also be beneficial for individuals seeking personal growth and insight.",
    },
    SeedSection {
        key: "faq.3",
        page: Page::Faq,
        position: 3,
        label: "FAQ 3",
        title: "How does ketamine work in psychotherapy?",
        body: "Ketamine works by modulating neurotransmitter systems in the brain, particularly glutamate, which is involved in mood regulation and cognition. In psychotherapy sessions, ketamine can help lower defenses and increase receptivity to therapeutic insights, allowing individuals to explore difficult emotions and experiences more deeply.",
    },
    SeedSection {
        key: "faq.4",
        page: Page::Faq,
        position: 4,
        label: "FAQ 4",
        title: "Is ketamine-assisted psychotherapy safe?",
        body: "When administered by trained professionals in a clinical setting, ketamine-assisted psychotherapy is generally considered safe. However, like any medical treatment, it carries some risks and potential side effects. These may include dissociation, changes in blood pressure or heart rate, and psychological discomfort. Your therapist will closely monitor your experience and take steps to ensure your safety and well-being throughout the session.",
    },
    SeedSection {
        key: "faq.5",
        page: Page::Faq,
        position: 5,
        label: "FAQ 5",
        title: "What can I expect from ketamine-assisted psychotherapy?",
        body: "Treatment typically begins with a separate session to conduct thorough assessment, discuss your goals, concerns, and medical history.\n\nThe actual KAP session involves receiving a dose of ketamine with your therapist. You may experience altered states of consciousness, heightened emotions, or insights during the session.\n\nAfterward, there is often a period of integration where you reflect on and process your experience with your therapist.",
    },
    SeedSection {
        key: "connect.intro",
        page: Page::Connect,
        position: 1,
        label: "Connect: introduction",
        title: "Connect with me",
        body: "If you feel this approach could benefit you, connect with me so we can discuss further and determine next steps.\n\nTell me a little about what brings you here and how you would like to be contacted. Please do not include detailed medical information: we will talk about that together.",
    },
    SeedSection {
        key: "connect.next",
        page: Page::Connect,
        position: 2,
        label: "Connect: what happens next",
        title: "What happens next",
        body: "I will contact you, usually within two business days, in the way you prefer, to arrange a short consultation. If KAP seems a good fit, we begin with a separate assessment session.",
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_page_has_content_and_keys_are_unique() {
        let keys: HashSet<_> = SEED.iter().map(|s| s.key).collect();
        assert_eq!(keys.len(), SEED.len());
        for p in Page::ALL {
            assert!(SEED.iter().any(|s| s.page == p), "{p:?} has no section");
            assert_eq!(Page::parse(p.slug()), Some(p));
        }
    }

    #[test]
    fn the_research_cites_all_three_studies_with_dois() {
        let r = SEED
            .iter()
            .find(|s| s.key == "research.studies")
            .expect("research");
        for doi in [
            "10.1080/02791072.2019.1587556",
            "10.1192/bjp.2018.196",
            "10.1176/appi.ajp.2020.20050596",
        ] {
            assert!(r.body.contains(&format!("https://doi.org/{doi}")), "{doi}");
        }
        assert!(r.body.contains("no control group"));
        assert!(r.body.contains("intravenous"));
    }
}
