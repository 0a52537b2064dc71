/* Public affairs in the economy pane: monthly disclosures (三务公开), lease tenders, leases about to expire, property-fee collection. */
import { h } from '../../common/dom.js';
import { t } from '../../common/i18n.js';
import { stat, stats, subWith } from '../widgets.js';

/** The panel's elements; `p` prefixes every data-figure, `e` is the economy figures. */
export function publicAffairsDetails(p, e) {
  var d = e.disclosures || {}, tenders = e.tenders || {}, fees = e.property_fees || {};
  var f = p + 'economy.';
  return [
    h('section', { 'class': 'panel', 'data-figure': 'economy.public_affairs' },
      h('h3', { 'class': 'panel-title', text: t('pa.title') }),
      stats([
        stat(f + 'disclosures.published', 'pa.disclosures', d.published, 'int',
          subWith('pa.corrections', f + 'disclosures.corrections', d.corrections, 'int')),
        stat(f + 'tenders.awarded', 'pa.tenders', tenders.awarded, 'int',
          subWith('pa.bids', f + 'tenders.bids', tenders.bids, 'int')),
        stat(f + 'leases_expiring', 'pa.leases_expiring', e.leases_expiring, 'int', null,
          e.leases_expiring > 0 ? 'warn' : null),
        stat(f + 'property_fees.rate', 'pa.fee_rate', fees.rate, 'pct',
          subWith('pa.fee_households', f + 'property_fees.households', fees.households, 'int')),
        stat(f + 'property_fees.arrears', 'pa.fee_arrears', fees.arrears, 'money',
          subWith('pa.fee_arrears_households', f + 'property_fees.households_in_arrears', fees.households_in_arrears,
            'int'), fees.arrears > 0 ? 'warn' : null)
      ]))
  ];
}
