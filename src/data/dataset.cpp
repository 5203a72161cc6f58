#include "data/dataset.h"

namespace anirec {

const char* order_kind_name(OrderKind k) {
    switch (k) {
        case OrderKind::TIMESTAMP: return "timestamp";
        case OrderKind::CHRONOLOGICAL_FORMAT: return "chronological-format";
        case OrderKind::FILE_ORDER: return "file";
        case OrderKind::SORTED_BY_ITEM_ID: return "sorted-by-item-id";
    }
    return "unknown";
}

bool order_is_chronological(OrderKind k) {
    return k == OrderKind::TIMESTAMP || k == OrderKind::CHRONOLOGICAL_FORMAT;
}

}  // namespace anirec
