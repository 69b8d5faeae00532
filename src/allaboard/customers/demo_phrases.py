"""Phrasings for the demo's customer comments, written for Brightwater Utilities' customers.

Each theme has openings, middles and endings; the demo joins one of each, so a few dozen fragments give a few
hundred different comments per theme. {m} minutes, {d} days, {q} a queue place and {name} the agent's first
name are filled in by the demo. Kept apart from the comment model's training corpus on purpose.
"""

THEMES: dict[str, tuple[list[str], list[str], list[str]]] = {
    "waiting_time": (
        [
            "Waited {m} minutes on hold",
            "Spent {m} minutes in the queue",
            "It took {m} minutes to get through",
            "Sat listening to the hold music for {m} minutes",
            "The chat queue took {m} minutes",
            "Got a callback {d} days after I asked for one",
            "Took {d} days to get a reply to my email",
            "Was number {q} in the chat queue",
        ],
        [
            " just to update my direct debit",
            " to give a meter reading",
            " about a simple billing question",
            " to report a leak",
            " to move my account to my new address",
            " for a two-minute question",
            " about my payment plan",
            "",
        ],
        [
            ".",
            ". Far too long.",
            ". Not acceptable.",
            ". I nearly gave up.",
            ". Please get more people on the phones.",
            ". The answer was fine once I got through.",
        ],
    ),
    "fcr_negative": (
        [
            "I've called three times about the same bill",
            "Passed around four departments",
            "Still not sorted after two calls",
            "Transferred twice and then cut off",
            "Told someone would ring me back, nobody did",
            "Had to chase again because nothing had been done",
        ],
        [
            " and it's still wrong",
            " and I'm still waiting for the refund",
            "",
            " and every time it starts from scratch",
            " about my final bill",
            " about the same missed reading",
        ],
        [".", ". Really fed up.", ". Please just fix it.", ". Third time lucky I hope."],
    ),
    "fcr_positive": (
        [
            "Sorted first time",
            "Fixed on the first call",
            "Resolved in one go",
            "Everything dealt with in a single chat",
            "No need to call back, it was all done",
            "Got it fixed there and then",
        ],
        [
            "",
            ", thank you",
            ", which makes a change",
            " - exactly what I needed",
            ", even the refund went through straight away",
            " without being passed around",
        ],
        [".", "!", ". Great service."],
    ),
    "knowledge_positive": (
        [
            "The advisor knew exactly what to do",
            "Really clear explanation of my tariff",
            "She understood the problem straight away",
            "He knew the system inside out",
            "Clear, accurate answers about my meter",
            "Explained the new payment plan properly",
        ],
        [
            "",
            " and checked everything with me",
            " so I finally understand my bill",
            " and gave me the right reference",
        ],
        [".", ". Impressed.", ". Thanks."],
    ),
    "knowledge_negative": (
        [
            "The agent didn't know the answer",
            "Got the wrong information about my tariff",
            "The advisor had to keep asking a colleague",
            "Was told one thing about my refund, it turned out to be wrong",
            "Nobody could explain my bill",
            "The advisor seemed to be struggling with their system",
        ],
        [
            "",
            " and I was put on hold to check",
            " - apparently they are still learning the new system",
            " - they said the new screens were slow today",
            " and I had to ring again",
        ],
        [".", ". Not confident it's right.", ". Please train your staff."],
    ),
    "empathy_positive": (
        [
            "Very kind and patient",
            "Friendly and reassuring",
            "Listened properly to my situation",
            "Polite and understanding about my late payment",
            "Made me feel heard",
            "So calm with me when I was upset",
        ],
        ["", " during a stressful time", " after the leak", " when I was worried about money"],
        [".", ". Thank you.", ". Really appreciated it."],
    ),
    "empathy_negative": (
        [
            "The advisor was rude",
            "Felt rushed off the phone",
            "Dismissive when I explained my situation",
            "No sympathy at all about the outage",
            "Talked over me the whole time",
        ],
        ["", " when I was already stressed", " about a bill I can't afford"],
        [".", ". Not how you treat customers.", ". Very disappointing."],
    ),
    "channel_availability": (
        [
            "Please offer a callback option",
            "Wish I could do this on chat instead of phoning",
            "The web chat is never available after 5pm",
            "Couldn't find a phone number anywhere on the website",
            "Would be great to have WhatsApp support",
            "Chat kept saying no advisors were available",
            "Can't reach anyone at the weekend",
        ],
        [
            "",
            " - I work during the day",
            ", phoning in work hours is hard",
            " for simple things like meter readings",
        ],
        [".", ". Please sort it.", ". Other companies manage it."],
    ),
    "channel_consistency": (
        [
            "Had to repeat myself after switching from chat to phone",
            "Nobody on the phone could see what I'd said in the chat",
            "I had to explain everything again when I called after emailing",
            "Started on chat, was told to ring, and had to start from scratch",
            "The email team and the phone team told me different things",
            "Each channel seems to be a different company",
            "Your chat said one thing and the person on the phone another",
            "Had to give all my details again after being moved from chat to a call",
        ],
        [
            "",
            " - why can't you see my history?",
            ", it wasted half an hour",
            ", the message I sent yesterday was lost",
        ],
        [".", ". Really frustrating.", ". One conversation would be nice."],
    ),
    "policy_process": (
        [
            "Why do I need three security questions just to give a reading",
            "The refund process is far too slow",
            "Having to post a form in this day and age",
            "The rules on payment plans make no sense",
            "A direct debit change takes a whole billing cycle",
        ],
        ["", " - please simplify it", ", nobody could tell me why"],
        [".", "?", ". Ridiculous."],
    ),
    "product_price": (
        [
            "My bill has gone up again",
            "The estimated bills are always wrong",
            "The standing charge is far too high",
            "Charged twice this month",
            "The smart meter still isn't sending readings",
        ],
        ["", " with no explanation", " and nobody warned me"],
        [".", ". Not happy.", ". Looking at switching."],
    ),
    "praise": (
        [
            "{name} was brilliant",
            "{name} went above and beyond",
            "Huge thanks to {name}",
            "{name} was so helpful and patient",
            "Please pass my thanks to {name}",
            "{name} sorted everything in minutes",
            "Great service from {name} today",
            "Thank you to the lovely advisor",
            "Brilliant service, thank you",
            "A really helpful team, thanks",
        ],
        [
            "",
            ", sorted my bill out",
            " - a credit to your company",
            ", made a stressful day easier",
            ", explained everything clearly",
        ],
        [".", "!", ". Five stars."],
    ),
}

# Which themes a customer writes about, by how the contact went (weights, before any story adjustment).
HAPPY = {"praise": 45, "fcr_positive": 20, "knowledge_positive": 15, "empathy_positive": 20}
UNHAPPY = {
    "waiting_time": 25,
    "fcr_negative": 20,
    "knowledge_negative": 12,
    "empathy_negative": 8,
    "channel_availability": 10,
    "channel_consistency": 5,
    "policy_process": 10,
    "product_price": 10,
}
MIXED = {
    "channel_availability": 22,
    "waiting_time": 25,
    "policy_process": 18,
    "product_price": 15,
    "channel_consistency": 5,
    "knowledge_positive": 10,
    "fcr_positive": 5,
}
