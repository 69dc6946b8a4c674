"""Stripe payments: the gateway client, PaymentIntents per order, the webhook and refunds."""
