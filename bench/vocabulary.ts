/**
 * Word material for the synthetic message corpus: everyday words of several languages (accents,
 * Cyrillic, CJK) for the chatter around the interesting parts, and syllables from which the topic
 * terms that profiles watch for are built. Hand-written, so the corpus needs no download.
 */

export interface Language {
  code: string;
  /** Share of messages written in this language. */
  share: number;
  /** Written without spaces between words (Han, Kana). */
  unspaced: boolean;
  words: readonly string[];
  /** Syllables for invented topic terms (names, products, places) in this script. */
  syllables: readonly string[];
}

const EN = `the of and to in is it that for on with as was at by this be from or have an they which
you are we his her she he one all there their has been would more when if will about up out them
so some what can market price report update people today new time year news after could over also
just like than first other into only two its now see world government company data team release
build version server issue support customer security policy meeting week month morning tonight
please check thanks everyone link here great good really think know need want still going
announce official source confirmed breaking analysis chart volume trade supply demand growth`.split(/\s+/);

const ES = `el la de que y en los se del las un por con no una su para es al lo como más pero sus le ya
o fue este ha sí porque esta son entre está cuando muy sin sobre también me hasta hay donde han quien
están desde todo nos durante estados todos uno les ni contra otros fueron ese eso había ante ellos
mercado precio noticias gobierno compañía seguridad reunión mañana información económico política
según además después análisis también dirección próximo último público están región país`.split(/\s+/);

const FR = `le de un être et à il avoir ne je son que se qui ce dans en du elle au pour pas que vous par
sur faire plus dire me on mon lui nous comme mais pouvoir avec tout y aller voir en bien où sans tu
ou leur homme si deux mari moi vouloir te femme venir quand grand celui notre devoir là jour prendre
marché prix économie sécurité réunion déjà très été année première entreprise données équipe réseau
élection région défense problème système dernière après événement accès intérêt`.split(/\s+/);

const DE = `der die und in den von zu das mit sich des auf für ist im dem nicht ein die eine als auch es
an werden aus er hat dass sie nach wird bei einer um am sind noch wie einem über einen so zum war
haben nur oder aber vor zur bis mehr durch man sein wurde sei Markt Preis Regierung Unternehmen
Sicherheit Straße größer Grüße schön über Bürger Frühling Änderung Prüfung Lösung Mitteilung
Veröffentlichung Zusammenfassung wöchentlich Börse Gebühr`.split(/\s+/);

const RU = `и в не на я быть он с что а по это она этот к но они мы как из у который то за свой что весь
год от так о для ты же все тот мочь вы человек такой его сказать только или ещё бы себя один как уже
до время если сам когда другой вот говорить наш мой знать стать при чтобы дело жизнь кто первый очень
два день её новый рука даже во со раз где там под можно ну какой после их работа без самый потом надо
хотеть ли слово идти большой должен место иметь ничто рынок цена новости правительство компания
безопасность встреча сегодня завтра данные обновление срочно источник сообщает заявил`.split(/\s+/);

const UK = `і в не на я бути він з що а по це вона цей до але вони ми як із у який то за свій весь рік від
так для ти же всі той могти ви людина такий його сказати тільки або ще себе один вже коли інший
ринок ціна новини уряд компанія безпека зустріч сьогодні завтра дані оновлення джерело повідомляє`.split(
  /\s+/,
);

// CJK "words" are short runs; the corpus joins them without spaces.
const ZH =
  `我们 今天 市场 价格 新闻 政府 公司 安全 会议 明天 数据 更新 消息 报告 发布 分析 经济 技术 网络 用户
问题 系统 时间 已经 可以 因为 所以 但是 如果 没有 这个 那个 什么 怎么 大家 朋友 一起 工作 学习 中国 北京
上海 发展 国际 投资 银行 股票 交易 增长 下降 影响 情况 目前 相关 部门 官方 来源 确认`.split(/\s+/);

const JA = `今日 市場 価格 ニュース 政府 会社 安全 会議 明日 データ 更新 報告 発表 分析 経済 技術 ネットワーク
ユーザー 問題 システム 時間 すでに できる ので しかし もし ない これ それ 何 みんな 友達 一緒 仕事 勉強
東京 大阪 発展 国際 投資 銀行 株式 取引 増加 減少 影響 状況 現在 関連 部門 公式 確認 です ます した`.split(
  /\s+/,
);

const LATIN_SYLLABLES = `ka ri to na me lo sa vi de mo ra ne ti ko lu be ga fi zo pe ul an or el in ex tra
pro cor syn neo vel dar mir tal ben cas fel gor hal jun kel lor mar nor pol quin ros sel tor val wen
zar ál én ír ós ún çe ña öl üb är`.split(/\s+/);

const CYRILLIC_SYLLABLES = `ка ри то на ме ло са ви де мо ра не ти ко лу бе га фи зо пе ул ан ор ел ин про
кор син нео вел дар мир тал бен кас фел гор хал юн кел лор мар нор пол рос сел тор вал зар ёж щи`.split(
  /\s+/,
);

const HAN_SYLLABLES =
  `华 科 新 东 西 南 北 中 国 天 星 光 电 信 网 金 银 安 宝 龙 云 海 山 川 明 盛 达 通 联 创
智 能 源 汇 鑫 泰 恒 瑞 康 丰 茂 佳 德 伟 博 远 航 晨 辉`.split(/\s+/);

const KANA_SYLLABLES =
  `カ リ ト ナ メ ロ サ ビ デ モ ラ ネ テ コ ル ベ ガ フ ゾ ペ ア イ ウ エ オ キ ク ケ シ ス
セ ソ タ チ ツ ハ ヒ ホ マ ミ ム ヤ ユ ヨ ワ ン`.split(/\s+/);

export const LANGUAGES: readonly Language[] = [
  { code: "en", share: 0.38, unspaced: false, words: EN, syllables: LATIN_SYLLABLES },
  { code: "ru", share: 0.2, unspaced: false, words: RU, syllables: CYRILLIC_SYLLABLES },
  { code: "es", share: 0.1, unspaced: false, words: ES, syllables: LATIN_SYLLABLES },
  { code: "de", share: 0.08, unspaced: false, words: DE, syllables: LATIN_SYLLABLES },
  { code: "fr", share: 0.08, unspaced: false, words: FR, syllables: LATIN_SYLLABLES },
  { code: "uk", share: 0.06, unspaced: false, words: UK, syllables: CYRILLIC_SYLLABLES },
  { code: "zh", share: 0.06, unspaced: true, words: ZH, syllables: HAN_SYLLABLES },
  { code: "ja", share: 0.04, unspaced: true, words: JA, syllables: KANA_SYLLABLES },
];

export const EMOJI = ["🔥", "🚀", "📈", "📉", "⚠️", "✅", "❗", "👍", "😂", "🇺🇦", "👨‍💻", "💰", "🤔", "🙏"];

export const FIRST_NAMES = [
  "Anna",
  "Ivan",
  "Olena",
  "José",
  "François",
  "Jürgen",
  "Søren",
  "Łukasz",
  "Мария",
  "Дмитрий",
  "Тарас",
  "李",
  "さくら",
  "Ahmed",
  "Zoë",
  "Chloé",
];

export const LAST_NAMES = [
  "Petrenko",
  "García",
  "Müller",
  "Dubois",
  "Kowalski",
  "Иванов",
  "Шевченко",
  "王",
  "佐藤",
  "O'Brien",
  "Nørgaard",
  "",
];
