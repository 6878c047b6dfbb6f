"""Per-language tables for statement extraction: reporting verbs and speaker words.

To add a language, add one ``Language`` to ``LANGUAGES``: its verbs (as regex
alternatives, inflected forms spelled out), the lowercase words that may stand in
a speaker's name ("spokesman", "министр"), the pronouns that refer back to the
last speaker, and the words that open reported speech ("that", "что"). The
patterns in extract.py are built from these tables once, at import.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Language:
    code: str
    upper: str  # regex class of capital letters
    lower: str  # regex class of lowercase letters
    verbs: tuple[str, ...]  # reporting verbs, every form written out
    roles: tuple[str, ...]  # lowercase words that may be (part of) a speaker
    pronouns: tuple[str, ...]  # speakers that refer back to the last named one
    joiners: tuple[str, ...]  # lowercase words inside a name: "of", "de"
    not_speakers: tuple[str, ...]  # capitalised words that start a sentence, never a speaker
    complementizer: str  # "that": opens the reported clause
    according: tuple[str, ...]  # "according to X, ..."
    object_max: int  # words allowed between verb and clause ("told reporters on Tuesday")
    bare_verbs: tuple[str, ...]  # verbs whose clause may follow without "that": "said Moscow was ..."
    auxiliaries: tuple[str, ...]  # may stand before a verb: "has since said", "continues to insist"
    participles: tuple[str, ...]  # ", saying (that) ...": the sentence's subject is the speaker
    conjunctions: tuple[str, ...]  # "..., but said (that) ...": a second verb of the same subject
    sentence_adverbs: tuple[str, ...]  # may open a sentence before its subject: "But a spokesperson said"
    pronouns_by_word: tuple[str, ...]  # cue words of "по его словам" (pronoun before the noun)
    locatives: tuple[str, ...]  # "В Кремле заявили": a preposition making an institution a speaker
    short_intro: str  # regex: a time phrase before the subject with no comma ("В понедельник Песков")
    finite: tuple[str, ...]  # words that end a verb's object: "said Tyvak would leverage that ..."
    openers: tuple[str, ...]  # a sentence's opening phrase before its subject: "When ..., Mr. Trump"
    postmodifiers: tuple[str, ...]  # "people familiar with the matter said"
    subordinators: tuple[str, ...]  # may stand before a subject inside a sentence: "..., after Peskov said"
    cuts: str  # regex: where a reported clause turns into the writer's words ("..., but the agency")
    # -ing forms of the other reporting verbs: ", concluding that X" (they take objects too, so
    # only with "that": ", recalling the events" is no statement)
    participles_that: tuple[str, ...] = ()
    quantifiers: tuple[str, ...] = ()  # may open a group of people: "Most mainstream economists"
    group_verbs: tuple[str, ...] = ()  # the verbs a group speaks with ("the figures suggest" is no group)


# fmt: off
# Reporting verbs, lemmas as "base third-person past": the verbs English grammars list for
# reported speech (acknowledge ... write; the last lines from the usual textbook list: accept,
# confess, imply, inform, propose, recommend, remind, repeat, swear, threaten, advise, guarantee)
# and the ones news writing adds (tweet, testify, projected, forecast).
# A base form that is mostly a noun in news ("report", "state", "post") is left out ("-"):
# "the state report that ..." would read as a speaker and a verb.
_EN_VERB_FORMS = """
say says said  tell tells told  - states stated  add adds added  stress stresses stressed
note notes noted  warn warns warned  claim claims claimed  insist insists insisted
explain explains explained  argue argues argued  announce announces announced
acknowledge acknowledges acknowledged  admit admits admitted  emphasize emphasizes emphasized
emphasise emphasises emphasised  declare declares declared  comment comments commented
write writes wrote  tweet tweets tweeted  - - posted  recall recalls recalled
assert asserts asserted  confirm confirms confirmed  deny denies denied  remark remarks remarked
reply replies replied  respond responds responded  - - continued  conclude concludes concluded
observe observes observed  predict predicts predicted  suggest suggests suggested
maintain maintains maintained  contend contends contended  allege alleges alleged
complain complains complained  reiterate reiterates reiterated  signal signals signaled
- - signalled  indicate indicates indicated  assure assures assured  urge urges urged
caution cautions cautioned  concede concedes conceded  joke jokes joked  recount recounts recounted
testify testifies testified  - reports reported  reveal reveals revealed  specify specifies specified
agree agrees agreed  - estimates estimated  - pledges pledged
- promises promised  hint hints hinted  disclose discloses disclosed  mention mentions mentioned
boast boasts boasted  counter counters countered  vow vows vowed  reaffirm reaffirms reaffirmed
clarify clarifies clarified  answer answers answered
accept accepts accepted  confess confesses confessed  imply implies implied  inform informs informed
propose proposes proposed  recommend recommends recommended  remind reminds reminded
repeat repeats repeated  swear swears swore  threaten threatens threatened  advise advises advised
guarantee guarantees guaranteed  - - projected  - forecasts forecast  concur concurs concurred
"""
_EN_VERBS = tuple(dict.fromkeys(w for w in _EN_VERB_FORMS.split() if w != "-")) + (
    "pointed out", "points out", "point out", "went on", "told reporters", "weighed in", "summed up",
)

_EN_ROLES = tuple("""
spokesman spokeswoman spokesperson spokespeople minister president official officials police
prosecutors prosecutor authorities lawyer lawyers attorney director chief head leader leaders
secretary ambassador envoy aide aides adviser advisor analyst analysts experts expert
researchers researcher scientists scientist professor doctors doctor witnesses witness
residents governor mayor senator representative congressman congresswoman lawmaker lawmakers
sources source ministry government company firm agency department office council commission
committee court judge campaign board manager executive ceo founder co-founder coach officer
sheriff deputy commander general military army service group organization organisation union
unions party foreign defense defence press national senior former chairman chairwoman chair
member members vice deputies staff team organizers organisers activists critics supporters
officers investigators fans economists people supporter teachers workers students parents employees
voters volunteers citizens others wife husband mother father son daughter brother sister friend
colleague author co-author editor reporter correspondent administration regulators
administrator operator owner owners tournament school university hospital state county city
federal white house u.s. us his her their its the a an another one two three some many other
both several local top
person persons someone somebody anyone everyone caller callers viewer viewers listener listeners
reader readers commenter commenters attendee attendees participant participants neighbor neighbors
neighbour neighbours customer customers shopper shoppers passenger passengers patient patients
nurse nurses farmer farmers user users investor investors trader traders
observer observers protester protesters demonstrator demonstrators survivor survivors victim
victims visitor visitors manager managers partner partners
""".split())  # the last lines: people as a reporter meets them (general person nouns)
# fmt: on

_EN_NOT_SPEAKERS = tuple(
    """
It This That There These Those What Which Who When Where While But And Or So If As In On At For
After Before Since Although Though Because However Meanwhile Also Then Now Here Yet Still
Instead Even Once Many Some Most All No Not One Both Each Every Such Last Next Earlier Later According
Update Updated Watch Read Video Photo Photos Breaking Opinion Analysis Editorial Exclusive Live Note
Editing Reporting Correction Related Quote Source Sources Credit
""".split()
)

ENGLISH = Language(
    code="en",
    upper="A-Z",
    lower="a-z",
    verbs=_EN_VERBS,
    roles=_EN_ROLES,
    pronouns=("he", "she", "they", "it", "we", "i", "him", "her", "them"),
    joiners=("of", "de", "da", "van", "von", "al", "bin", "for", "at", "and", "on", "in", "from", "la", "le", "del"),
    not_speakers=_EN_NOT_SPEAKERS,
    complementizer="that",
    according=("according to",),
    object_max=4,
    bare_verbs=tuple(
        "said says say told tells wrote writes insisted insists insist argued argues claimed claims "
        "believes thinks recalled recalls".split()
    )
    + ("told reporters",),
    # "scientists now say", "X still says", "Montoya-Lewis herself said": adverbs and reflexives
    # that stand between a subject and its verb (branch stmt4)
    auxiliaries=tuple("has had have also later then since previously earlier again repeatedly once".split())
    + tuple("now still often even long himself herself themselves itself".split())
    + ("continues to", "continued to", "went on to"),
    participles=tuple(
        "saying adding noting stressing insisting arguing warning explaining claiming emphasizing emphasising".split()
    )
    + ("telling reporters", "acknowledging", "pointing out")
    # -ing forms of the grammar list's verbs that rarely take a noun object: ", admitting she saw it"
    + ("admitting", "conceding", "asserting", "complaining"),
    conjunctions=("but", "and"),
    sentence_adverbs=("But", "And", "Yet", "However,", "Meanwhile,", "Still,", "Also,", "Separately,"),
    pronouns_by_word=(),
    locatives=(),
    short_intro=r"(?:(?:On|Last|Earlier|Later)\s+[A-Z]?[a-z]+\s+)",
    finite=tuple("is was are were will would can could should has had have did does do may might must".split()),
    openers=tuple("When While After Before As If Although Though Since Because In On At During Despite".split()),
    postmodifiers=("familiar with", "close to", "with knowledge of", "briefed on", "involved in", "close with"),
    # Not "which", "who", "that": "the plan which officials said would cost ..." is the
    # writer's relative clause; "in which he said ..." opens the speaker's own.
    subordinators=tuple("and but after when because since as while though although before until once so".split())
    + ("in which", "even as", "even though"),
    # "but the agency ...", "but Mr. X ...", ", as he deflected ...", " — and in some cases ..."
    cuts=r",?[”\"’»]?\s+but\s+(?=(?:the|a|an)\s|[A-Z])|,[”\"’»]?\s+(?:as|while)\s+"
    r"(?=(?:he|she|they|it|the|a|an|his|her|their)\s|[A-Z])"
    r"|\s[—–]\s+(?:and|but)\s",
    participles_that=tuple(
        "concluding suggesting confirming predicting declaring recalling revealing announcing indicating "
        "assuring cautioning reiterating maintaining contending alleging estimating promising pledging "
        "vowing hinting disclosing mentioning boasting countering clarifying answering replying "
        "responding observing remarking stating testifying writing tweeting agreeing acknowledging "
        "conceding explaining arguing warning".split()
    ),
    quantifiers=tuple("the some many most several few both all other these those".split()),
    group_verbs=tuple(
        "said says say told tell tells argued argues argue insisted insists insist claimed claims claim "
        "warned warns warn noted notes note wrote write writes complained complain added add "
        "explained explain".split()
    ),
)

_RU_STEMS = tuple(
    """
заявил сказал сообщил отметил подчеркнул добавил написал пояснил
признал предупредил уточнил рассказал заметил указал объяснил призвал
напомнил констатировал ответил высказал выразил считал говорил передал
утверждал сообщал убежден уверен продолжил резюмировал
""".split()
)
_RU_VERBS = tuple(f"{stem}{ending}" for stem in _RU_STEMS for ending in ("", "а", "и", "о")) + (
    "считает",
    "считают",
    "говорит",
    "говорят",
    "заявляет",
    "заявляют",
    "сообщает",
    "сообщают",
    "отмечает",
    "отмечают",
    "подчеркивает",
    "подчёркивает",
    "утверждает",
    "утверждают",
    "пишет",
    "пишут",
    "полагает",
    "уверяет",
    "признает",
    "признаёт",
    "добавляет",
)
_RU_ROLES = tuple(
    """
пресс-секретарь пресс-секретаря пресс-секретарем пресс-секретарём президент президента министр министра
глава главы представитель представителя официальный официального спикер спикера
посол посла помощник помощника советник советника депутат депутата
губернатор губернатора мэр мэра директор директора руководитель руководителя
председатель председателя эксперт эксперта эксперты экспертов аналитик аналитика
политолог политолога источник источника тренер тренера игрок игрока
замминистра заместитель заместителя вице-премьер премьер-министр премьер-министра генсек генсека
генеральный генерального секретарь секретаря лидер лидера дипломат дипломата
иностранных дел мид кремля кремль правительства россии рф
сша страны ведомства компании министерства пресс-служба пресс-службы полиция
полиции прокуратура суд суда адвокат адвоката врач врача
другой его ее её их бывший бывшего российский
российского
""".split()
)

RUSSIAN = Language(
    code="ru",
    upper="А-ЯЁ",
    lower="а-яё",
    verbs=_RU_VERBS,
    roles=_RU_ROLES,
    pronouns=("он", "она", "они", "мы", "я", "его", "ее", "её", "их", "него", "нее", "неё", "них"),
    joiners=("и", "по", "де", "фон", "ибн"),
    not_speakers=tuple(
        "Это Этот Эта Там Тут Как Когда Но И А Если Так Также Кроме При После До Об О В На По С Ранее "
        "Позже Однако Поэтому Тогда Затем Все Всё Что Кто Где".split()
    ),
    complementizer="что",
    according=("по словам", "по мнению", "по данным")
    + tuple(f"как {verb}" for verb in ("заявил", "сообщил", "отметил", "сказал", "пояснил", "подчеркнул", "рассказал"))
    + tuple(
        f"как {verb}а" for verb in ("заявил", "сообщил", "отметил", "сказал", "пояснил", "подчеркнул", "рассказал")
    ),
    object_max=4,
    bare_verbs=(),
    auxiliaries=("также", "уже", "ранее", "вновь", "снова", "тогда", "затем", "позже"),
    participles=("заявив", "отметив", "подчеркнув", "добавив", "сообщив", "указав", "пояснив"),
    conjunctions=("и", "а", "но"),
    sentence_adverbs=("Но", "А", "И", "Однако", "Между тем", "Кроме того,", "При этом"),
    pronouns_by_word=("словам", "мнению"),
    locatives=("В", "в", "Во", "во"),
    short_intro=r"(?:(?:В|Во|На|По|После|Накануне|Ранее|Позднее|Позже|Сегодня|Вчера|Также|Тогда)\s+"
    r"(?:[а-яё\d-]+\s+){0,2}?)",
    finite=(),
    openers=tuple("Когда После Хотя Если Пока В На По При Во".split()),
    postmodifiers=(),
    subordinators=(),
    cuts=r",\s+но\s+(?=[А-ЯЁ])",
)

LANGUAGES: tuple[Language, ...] = (ENGLISH, RUSSIAN)
