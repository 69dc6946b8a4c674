"""Order statuses, in Chinese as the store shows them (Oscar stores the status string itself)."""

PENDING_PAYMENT = "待付款"
PAID = "已付款"
PARTLY_SHIPPED = "部分发货"
SHIPPED = "已发货"
COMPLETED = "已完成"
CANCELLED = "已取消"
REFUNDED = "已退款"

# Orders whose money the store has: they count as sales and share their revenue with households.
PAID_STATUSES = (PAID, PARTLY_SHIPPED, SHIPPED, COMPLETED)
# What a cooperative manager works on: orders that were paid (and what became of them), never
# carts left unpaid or cancelled before payment.
MANAGER_STATUSES = (*PAID_STATUSES, REFUNDED)

PIPELINE = {
    PENDING_PAYMENT: (PAID, CANCELLED),
    PAID: (PARTLY_SHIPPED, SHIPPED, REFUNDED),  # a paid order is cancelled by refunding it
    PARTLY_SHIPPED: (SHIPPED, REFUNDED),
    SHIPPED: (COMPLETED, REFUNDED),
    COMPLETED: (REFUNDED,),
    CANCELLED: (),
    REFUNDED: (),
}
