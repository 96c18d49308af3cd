//! Realistic values for dynamic answers, chosen by a property's name and format: names,
//! emails, dates, URLs, cities, phone numbers, words and sentences from the `fake` crate.
//!
//! A name is split into lower-case words (`createdAt` → `created at`, `first_name` → `first
//! name`, `avatarURL` → `avatar url`) and matched by its last word mostly, so that
//! `billingEmail`, `contactPhone` and `homepageUrl` are recognised. These are proposals only:
//! `scalar.rs` keeps one when it meets the schema's lengths, pattern and format, and draws
//! something plainer when it does not. Every value comes from the caller's random source, so
//! `--seed` repeats them.

use crate::random::Source;
use fake::Fake;
use fake::faker::address::en::{
    BuildingNumber, CityName, CountryCode, CountryName, StateName, StreetName, TimeZone, ZipCode,
};
use fake::faker::barcode::en::Isbn13;
use fake::faker::company::en::CompanyName;
use fake::faker::creditcard::en::CreditCardNumber;
use fake::faker::filesystem::en::{FileName, MimeType, Semver};
use fake::faker::internet::en::{
    DomainSuffix, IPv4, IPv6, MACAddress, Password, SafeEmail, UserAgent, Username,
};
use fake::faker::job::en::Title as JobTitle;
use fake::faker::lorem::en::{Paragraph, Sentence, Word, Words};
use fake::faker::name::en::{FirstName, LastName, Name};
use fake::faker::phone_number::en::PhoneNumber;

/// What a string property holds, as its name tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Email,
    FirstName,
    LastName,
    FullName,
    Username,
    Company,
    JobTitle,
    Phone,
    City,
    Country,
    CountryCode,
    Street,
    ZipCode,
    Region,
    TimeZone,
    Latitude,
    Longitude,
    Url,
    Image,
    Domain,
    Ipv4,
    Ipv6,
    Mac,
    UserAgent,
    Password,
    Token,
    Color,
    Currency,
    Locale,
    Version,
    MimeType,
    Slug,
    FileName,
    Path,
    Title,
    Label,
    Sentence,
    Paragraph,
    Word,
    DateTime,
    Date,
    Time,
    Uuid,
    Isbn,
    CreditCard,
    Base64,
    Duration,
    Digits,
}

/// A realistic string for a property called `name` with `format`, or `None` when neither
/// says anything.
pub(super) fn string(
    name: Option<&str>,
    format: Option<&str>,
    rng: &mut fastrand::Rng,
) -> Option<String> {
    let by_name = name.and_then(kind_of_name);
    let kind = match (format.and_then(kind_of_format), by_name) {
        // A name may refine a format: an `uri` called `avatarUrl` is an image.
        (Some(Kind::Url), Some(Kind::Image)) => Kind::Image,
        (Some(kind), _) => kind,
        (None, Some(kind)) => kind,
        (None, None) => return None,
    };
    Some(make(kind, rng))
}

/// A varied string when nothing better is known: the format's kind of value, else a few words.
pub(super) fn any_string(format: Option<&str>, rng: &mut fastrand::Rng) -> String {
    match format.and_then(kind_of_format) {
        Some(kind) => make(kind, rng),
        None => {
            let words: Vec<String> = Words(1..4).fake_with_rng(&mut Source(rng));
            words.join(" ")
        }
    }
}

/// One lorem word.
pub(super) fn word(rng: &mut fastrand::Rng) -> String {
    Word().fake_with_rng(&mut Source(rng))
}

/// Where a number called `name` usually lies (whole numbers when `integer`).
pub(super) fn number_range(name: Option<&str>, integer: bool) -> (f64, f64) {
    let words = name.map(words).unwrap_or_default();
    let last = words.last().map(String::as_str).unwrap_or_default();
    let joined = words.concat();
    match last {
        "age" => (18.0, 80.0),
        "year" => (1990.0, 2030.0),
        "month" => (1.0, 12.0),
        "day" => (1.0, 28.0),
        "hour" | "hours" => (0.0, 23.0),
        "minute" | "minutes" | "second" | "seconds" => (0.0, 59.0),
        "port" => (1024.0, 65535.0),
        "lat" | "latitude" => (-90.0, 90.0),
        "lng" | "lon" | "long" | "longitude" => (-180.0, 180.0),
        "price" | "amount" | "cost" | "balance" | "salary" | "fee" | "subtotal" | "tax" => {
            (1.0, 1000.0)
        }
        "percent" | "percentage" => (0.0, 100.0),
        "ratio" | "probability" | "confidence" => (0.0, 1.0),
        "rating" | "stars" => (1.0, 5.0),
        "score" => (0.0, 100.0),
        "count" | "quantity" | "qty" | "size" | "length" | "total" | "number" | "num" => {
            (0.0, 100.0)
        }
        "page" => (1.0, 10.0),
        "limit" | "perpage" | "pagesize" => (10.0, 100.0),
        "offset" | "skip" => (0.0, 100.0),
        "id" => (1.0, 10000.0),
        "at" | "timestamp" | "time" | "date" if integer => (1_577_836_800.0, 1_798_761_599.0),
        _ if joined.ends_with("pagesize") || joined.ends_with("perpage") => (10.0, 100.0),
        _ if integer => (1.0, 1000.0),
        _ => (0.0, 1000.0),
    }
}

/// The kind of value a format names.
fn kind_of_format(format: &str) -> Option<Kind> {
    Some(match format {
        "date-time" => Kind::DateTime,
        "date" => Kind::Date,
        "time" => Kind::Time,
        "email" | "idn-email" => Kind::Email,
        "uuid" => Kind::Uuid,
        "uri" | "url" | "iri" | "uri-reference" | "iri-reference" => Kind::Url,
        "hostname" | "idn-hostname" => Kind::Domain,
        "ipv4" => Kind::Ipv4,
        "ipv6" => Kind::Ipv6,
        "byte" => Kind::Base64,
        "duration" => Kind::Duration,
        "password" => Kind::Password,
        "int32" | "int64" => Kind::Digits,
        "phone" => Kind::Phone,
        _ => return None,
    })
}

/// The words of a property name, lower-case: `avatarURL` → `avatar`, `url`.
fn words(name: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    let chars: Vec<char> = name.chars().collect();
    let mut current = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            continue;
        }
        let previous = i.checked_sub(1).map(|p| chars[p]);
        let next = chars.get(i + 1);
        let boundary = c.is_uppercase()
            && previous.is_some_and(|p| {
                p.is_lowercase()
                    || p.is_ascii_digit()
                    || (p.is_uppercase() && next.is_some_and(|n| n.is_lowercase()))
            });
        if boundary && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        current.extend(c.to_lowercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// The kind of string a property's name suggests.
fn kind_of_name(name: &str) -> Option<Kind> {
    let words = words(name);
    let last = words.last()?.as_str();
    let joined = words.concat();
    let has = |set: &[&str]| words.iter().any(|w| set.contains(&w.as_str()));
    let ends = |set: &[&str]| set.iter().any(|s| joined.ends_with(s));
    const IMAGES: &[&str] =
        &["avatar", "image", "photo", "picture", "thumbnail", "logo", "icon", "img", "banner"];
    const URLS: &[&str] =
        &["url", "uri", "link", "href", "website", "homepage", "webhook", "endpoint", "callback"];
    Some(match last {
        _ if joined.contains("email") => Kind::Email,
        _ if has(IMAGES) && (URLS.contains(&last) || IMAGES.contains(&last)) => Kind::Image,
        _ if URLS.contains(&last) => Kind::Url,
        _ if has(&["phone", "mobile", "telephone", "tel", "fax"]) => Kind::Phone,
        _ if ends(&["firstname", "givenname", "forename"]) => Kind::FirstName,
        _ if ends(&["lastname", "surname", "familyname"]) => Kind::LastName,
        _ if ends(&["username", "nickname", "screenname"])
            || matches!(last, "login" | "handle") =>
        {
            Kind::Username
        }
        _ if ends(&["companyname", "organizationname", "organisationname", "orgname"]) => {
            Kind::Company
        }
        _ if ends(&["cityname"]) => Kind::City,
        _ if ends(&["countryname"]) => Kind::Country,
        _ if ends(&["filename"]) => Kind::FileName,
        _ if ends(&["hostname", "domainname"]) => Kind::Domain,
        _ if matches!(
            joined.as_str(),
            "name"
                | "fullname"
                | "displayname"
                | "contactname"
                | "customername"
                | "authorname"
                | "ownername"
                | "personname"
                | "realname"
                | "author"
                | "owner"
                | "assignee"
        ) =>
        {
            Kind::FullName
        }
        "name" => Kind::Label,
        "company" | "organization" | "organisation" | "employer" | "business" | "brand" => {
            Kind::Company
        }
        _ if ends(&["jobtitle"]) => Kind::JobTitle,
        "occupation" | "profession" | "position" => Kind::JobTitle,
        "city" | "town" => Kind::City,
        _ if ends(&["countrycode"]) => Kind::CountryCode,
        "country" | "nationality" => Kind::Country,
        _ if ends(&["ipaddress", "ipv4"]) || last == "ip" => Kind::Ipv4,
        "ipv6" => Kind::Ipv6,
        _ if ends(&["macaddress"]) || last == "mac" => Kind::Mac,
        _ if ends(&["useragent"]) => Kind::UserAgent,
        _ if ends(&["postalcode", "zipcode", "postcode"]) || last == "zip" => Kind::ZipCode,
        _ if ends(&["streetaddress", "addressline", "addressline1", "address1"]) => Kind::Street,
        "street" | "address" => Kind::Street,
        "province" | "region" | "county" => Kind::Region,
        _ if ends(&["statename"]) => Kind::Region,
        _ if ends(&["timezone"]) || last == "tz" => Kind::TimeZone,
        "lat" | "latitude" => Kind::Latitude,
        "lng" | "lon" | "longitude" => Kind::Longitude,
        "password" | "passwd" | "secret" | "passphrase" => Kind::Password,
        "token" | "apikey" | "hash" | "checksum" | "signature" | "nonce" | "key" => Kind::Token,
        "color" | "colour" => Kind::Color,
        _ if ends(&["currencycode"]) || last == "currency" => Kind::Currency,
        "locale" | "language" | "lang" => Kind::Locale,
        "version" => Kind::Version,
        _ if ends(&["mimetype", "contenttype", "mediatype"]) => Kind::MimeType,
        "slug" => Kind::Slug,
        "file" => Kind::FileName,
        "path" | "filepath" => Kind::Path,
        "domain" | "host" => Kind::Domain,
        "title" | "subject" | "headline" | "heading" | "caption" => Kind::Title,
        "label" => Kind::Label,
        "description" | "summary" | "bio" | "about" | "comment" | "comments" | "note" | "notes"
        | "message" | "reason" | "excerpt" | "details" | "text" => Kind::Sentence,
        "body" | "content" => Kind::Paragraph,
        "tag" | "tags" | "keyword" | "keywords" | "category" | "categories" | "topic" | "genre"
        | "status" | "state" | "type" | "kind" | "role" => Kind::Word,
        "at" | "on" | "timestamp" | "datetime" | "time" => Kind::DateTime,
        "date" | "birthday" | "dob" | "birthdate" => Kind::Date,
        "uuid" | "guid" | "id" => Kind::Uuid,
        "isbn" => Kind::Isbn,
        _ if ends(&["cardnumber", "creditcard"]) => Kind::CreditCard,
        _ => return None,
    })
}

/// Dates are drawn between these instants (2020-01-01 and 2026-12-31, UTC), never from the
/// clock, so that a seed repeats them.
const EPOCHS: std::ops::RangeInclusive<i64> = 1_577_836_800..=1_798_761_599;

fn make(kind: Kind, rng: &mut fastrand::Rng) -> String {
    let mut r = Source(rng);
    let r = &mut r;
    match kind {
        Kind::Email => SafeEmail().fake_with_rng(r),
        Kind::FirstName => FirstName().fake_with_rng(r),
        Kind::LastName => LastName().fake_with_rng(r),
        Kind::FullName => Name().fake_with_rng(r),
        Kind::Username => Username().fake_with_rng(r),
        Kind::Company => CompanyName().fake_with_rng(r),
        Kind::JobTitle => JobTitle().fake_with_rng(r),
        Kind::Phone => PhoneNumber().fake_with_rng(r),
        Kind::City => CityName().fake_with_rng(r),
        Kind::Country => CountryName().fake_with_rng(r),
        Kind::CountryCode => CountryCode().fake_with_rng(r),
        Kind::Street => {
            let number: String = BuildingNumber().fake_with_rng(r);
            let street: String = StreetName().fake_with_rng(r);
            format!("{number} {street}")
        }
        Kind::ZipCode => ZipCode().fake_with_rng(r),
        Kind::Region => StateName().fake_with_rng(r),
        Kind::TimeZone => TimeZone().fake_with_rng(r),
        Kind::Latitude => format!("{:.6}", r.0.f64() * 180.0 - 90.0),
        Kind::Longitude => format!("{:.6}", r.0.f64() * 360.0 - 180.0),
        Kind::Url => {
            let path: String = Word().fake_with_rng(r);
            format!("https://www.{}/{path}", domain(r))
        }
        Kind::Image => format!("https://images.{}/{}.png", domain(r), r.0.u32(1000..1_000_000)),
        Kind::Domain => domain(r),
        Kind::Ipv4 => IPv4().fake_with_rng(r),
        Kind::Ipv6 => IPv6().fake_with_rng(r),
        Kind::Mac => MACAddress().fake_with_rng(r),
        Kind::UserAgent => UserAgent().fake_with_rng(r),
        Kind::Password => Password(12..20).fake_with_rng(r),
        Kind::Token => alphanumeric(r.0, 32),
        Kind::Color => format!("#{:06x}", r.0.u32(..0x0100_0000)),
        Kind::Currency => {
            ["USD", "EUR", "GBP", "JPY", "CHF", "CAD", "AUD"][r.0.usize(..7)].to_owned()
        }
        Kind::Locale => {
            ["en-US", "en-GB", "fr-FR", "de-DE", "es-ES", "ja-JP"][r.0.usize(..6)].to_owned()
        }
        Kind::Version => Semver().fake_with_rng(r),
        Kind::MimeType => MimeType().fake_with_rng(r),
        Kind::Slug => {
            let words: Vec<String> = Words(2..4).fake_with_rng(r);
            words.join("-")
        }
        Kind::FileName => FileName().fake_with_rng(r),
        Kind::Path => {
            let words: Vec<String> = Words(1..4).fake_with_rng(r);
            format!("/{}", words.join("/"))
        }
        Kind::Title => {
            capitalized(Sentence(2..5).fake_with_rng::<String, _>(r).trim_end_matches('.'))
        }
        Kind::Label => {
            let words: Vec<String> = Words(1..3).fake_with_rng(r);
            capitalized(&words.join(" "))
        }
        Kind::Sentence => Sentence(4..12).fake_with_rng(r),
        Kind::Paragraph => Paragraph(2..4).fake_with_rng(r),
        Kind::Word => Word().fake_with_rng(r),
        Kind::DateTime => timestamp(r.0).to_string(),
        Kind::Date => timestamp(r.0).to_zoned(jiff::tz::TimeZone::UTC).date().to_string(),
        Kind::Time => format!("{:02}:{:02}:{:02}Z", r.0.u8(..24), r.0.u8(..60), r.0.u8(..60)),
        Kind::Uuid => crate::random::uuid(r.0),
        Kind::Isbn => Isbn13().fake_with_rng(r),
        Kind::CreditCard => CreditCardNumber().fake_with_rng(r),
        Kind::Base64 => {
            use base64::Engine as _;
            let mut bytes = [0u8; 12];
            r.0.fill(&mut bytes);
            base64::engine::general_purpose::STANDARD.encode(bytes)
        }
        Kind::Duration => format!("P{}DT{}H", r.0.u8(1..30), r.0.u8(..24)),
        Kind::Digits => r.0.u32(1..1_000_000).to_string(),
    }
}

fn timestamp(rng: &mut fastrand::Rng) -> jiff::Timestamp {
    jiff::Timestamp::from_second(rng.i64(EPOCHS)).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
}

fn domain(r: &mut Source<'_>) -> String {
    let word: String = Word().fake_with_rng(r);
    let suffix: String = DomainSuffix().fake_with_rng(r);
    format!("{word}.{suffix}")
}

fn alphanumeric(rng: &mut fastrand::Rng, length: usize) -> String {
    (0..length).map(|_| rng.alphanumeric()).collect()
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_split_into_words() {
        assert_eq!(words("createdAt"), ["created", "at"]);
        assert_eq!(words("first_name"), ["first", "name"]);
        assert_eq!(words("avatarURL"), ["avatar", "url"]);
        assert_eq!(words("X-Request-ID"), ["x", "request", "id"]);
        assert_eq!(words("ipv4Address"), ["ipv4", "address"]);
    }

    #[test]
    fn names_say_what_a_string_holds() {
        for (name, kind) in [
            ("email", Kind::Email),
            ("billingEmailAddress", Kind::Email),
            ("firstName", Kind::FirstName),
            ("last_name", Kind::LastName),
            ("name", Kind::FullName),
            ("productName", Kind::Label),
            ("username", Kind::Username),
            ("city", Kind::City),
            ("homepageUrl", Kind::Url),
            ("avatar_url", Kind::Image),
            ("contactPhone", Kind::Phone),
            ("createdAt", Kind::DateTime),
            ("updated_on", Kind::DateTime),
            ("birthDate", Kind::Date),
            ("ipAddress", Kind::Ipv4),
            ("postalCode", Kind::ZipCode),
            ("description", Kind::Sentence),
            ("tags", Kind::Word),
            ("userId", Kind::Uuid),
        ] {
            assert_eq!(kind_of_name(name), Some(kind), "{name}");
        }
        assert_eq!(kind_of_name("flux"), None);
    }

    #[test]
    fn values_repeat_with_the_seed_and_vary_without_it() {
        let draw = |seed| {
            let mut rng = fastrand::Rng::with_seed(seed);
            ["email", "name", "city", "createdAt", "website", "phone"]
                .map(|n| string(Some(n), None, &mut rng).unwrap())
        };
        assert_eq!(draw(5), draw(5));
        assert_ne!(draw(5), draw(6));
        let values = draw(5);
        assert!(values[0].contains('@'), "{values:?}");
        assert!(values[3].parse::<jiff::Timestamp>().is_ok(), "{values:?}");
        assert!(values[4].starts_with("https://"), "{values:?}");
    }
}
