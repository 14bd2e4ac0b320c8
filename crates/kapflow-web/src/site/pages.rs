//! The pages of the public site: their stored names (slugs), addresses, titles and
//! descriptions, and the markers section text may carry.

use crate::paths;

/// A page of the public site.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Page {
    Home,
    Ketamine,
    Benefits,
    HowItWorks,
    Medication,
    Research,
    Faq,
    Connect,
}

impl Page {
    pub const ALL: [Page; 8] = [
        Page::Home,
        Page::Ketamine,
        Page::Benefits,
        Page::HowItWorks,
        Page::Medication,
        Page::Research,
        Page::Faq,
        Page::Connect,
    ];

    /// The stored name, also the URL slug (home is `/`).
    pub fn slug(self) -> &'static str {
        match self {
            Page::Home => "home",
            Page::Ketamine => "ketamine",
            Page::Benefits => "benefits",
            Page::HowItWorks => "how-kap-works",
            Page::Medication => "medication",
            Page::Research => "research",
            Page::Faq => "faq",
            Page::Connect => "connect",
        }
    }

    pub fn path(self) -> &'static str {
        match self {
            Page::Home => paths::HOME,
            Page::Ketamine => paths::KETAMINE,
            Page::Benefits => paths::BENEFITS,
            Page::HowItWorks => paths::HOW,
            Page::Medication => paths::MEDICATION,
            Page::Research => paths::RESEARCH,
            Page::Faq => paths::FAQ,
            Page::Connect => paths::CONNECT,
        }
    }

    pub fn parse(slug: &str) -> Option<Page> {
        Page::ALL.into_iter().find(|p| p.slug() == slug)
    }

    /// The page's name in menus and its `<title>`.
    pub fn title(self) -> &'static str {
        match self {
            Page::Home => "Ketamine-Assisted Psychotherapy (KAP)",
            Page::Ketamine => "What is ketamine?",
            Page::Benefits => "Benefits and applications",
            Page::HowItWorks => "How KAP works here",
            Page::Medication => "Medication management",
            Page::Research => "Research on KAP",
            Page::Faq => "Frequently Asked Questions",
            Page::Connect => "Connect with me",
        }
    }

    pub fn nav_label(self) -> &'static str {
        match self {
            Page::Home => "Home",
            Page::Ketamine => "Ketamine",
            Page::Benefits => "Benefits",
            Page::HowItWorks => "How it works",
            Page::Medication => "Medication",
            Page::Research => "Research",
            Page::Faq => "FAQ",
            Page::Connect => "Connect",
        }
    }

    /// The meta description (search results, link previews).
    pub fn description(self) -> &'static str {
        match self {
            Page::Home => {
                "Ketamine-assisted psychotherapy (KAP): preparation, in-office sublingual ketamine with your therapist present throughout, and integration."
            }
            Page::Ketamine => {
                "What ketamine is, and why low, sub-anesthetic doses are studied for mental health conditions."
            }
            Page::Benefits => {
                "Conditions KAP may help with: treatment-resistant depression, PTSD and trauma, anxiety disorders and chronic pain."
            }
            Page::HowItWorks => {
                "How ketamine-assisted psychotherapy works in this practice: preparation, administration, the therapeutic session and integration."
            }
            Page::Medication => {
                "How the partner physician organisation evaluates, prescribes and ships your medication."
            }
            Page::Research => {
                "Three studies of ketamine for depression and PTSD, with their design, results and limits."
            }
            Page::Faq => {
                "Answers to common questions about ketamine-assisted psychotherapy: what it is, what it treats, how it works, safety and what to expect."
            }
            Page::Connect => {
                "Ask about ketamine-assisted psychotherapy: send a message and the practice will contact you."
            }
        }
    }
}

/// Placeholder in section text for the partner organisation's name (a practice setting).
pub const PARTNER_PLACEHOLDER: &str = "{partner}";

/// Sections whose key starts with this render as disclosure widgets (question and answer),
/// except the page's first section, whose title is the page's heading.
pub const FAQ_PREFIX: &str = "faq.";
