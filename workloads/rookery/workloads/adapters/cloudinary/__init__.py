"""Cloudinary adapter for the MediaStore port (production media)."""
