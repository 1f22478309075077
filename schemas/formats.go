package schemas

import "strings"

// Formats returns the format assertions every profile's schemas may use beyond
// the standard ones:
//   - "iso4217": an active ISO 4217 alphabetic currency code (USD, EUR, BRL…).
func Formats() map[string]func(any) bool {
	return map[string]func(any) bool{
		"iso4217": func(v any) bool {
			s, ok := v.(string)
			return !ok || IsISO4217(s)
		},
	}
}

// IsISO4217 reports whether code is an active ISO 4217 alphabetic code.
func IsISO4217(code string) bool {
	if len(code) != 3 {
		return false
	}
	return strings.Contains(iso4217, " "+code+" ")
}

// Active codes of ISO 4217 (list one, 2024), plus the fund and precious-metal
// codes it also lists. Crypto tickers (BTC, USDT) are deliberately absent.
const iso4217 = " AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN BWP BYN BZD" +
	" CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP" +
	" GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR" +
	" LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP" +
	" PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP" +
	" TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES VND VUV WST XAF XAG XAU XBA XBB XBC XBD XCD XCG XDR XOF XPD" +
	" XPF XPT XSU XUA YER ZAR ZMW ZWG ZWL "
